/** Identity: logins, second factors, reset and unlock codes (the /auth/* routes). */
import { type Static, Type } from 'typebox';

const Login = Type.String({ minLength: 1, maxLength: 254 });
const Secret = Type.String({ minLength: 1, maxLength: 1024 });
const Code = Type.String({ maxLength: 64 });

export const LoginRequest = Type.Object({
  login: Login,
  password: Secret,
  totp: Type.Optional(Code),
  code: Type.Optional(Code),
});
export type LoginRequest = Static<typeof LoginRequest>;

export const TotpConfirmRequest = Type.Object({ code: Code });
export type TotpConfirmRequest = Static<typeof TotpConfirmRequest>;

export const PasswordResetRequest = Type.Object({ login: Login });
export type PasswordResetRequest = Static<typeof PasswordResetRequest>;

export const PasswordResetConfirmRequest = Type.Object({ token: Secret, password: Secret });
export type PasswordResetConfirmRequest = Static<typeof PasswordResetConfirmRequest>;

export const OneTimeCodeRequest = Type.Object({
  channel: Type.Optional(Type.Union([Type.Literal('email'), Type.Literal('sms')])),
});
export type OneTimeCodeRequest = Static<typeof OneTimeCodeRequest>;

export const UnlockCodeRequest = Type.Object({ login: Login });
export type UnlockCodeRequest = Static<typeof UnlockCodeRequest>;

export const UnlockRequest = Type.Object({ login: Login, code: Code });
export type UnlockRequest = Static<typeof UnlockRequest>;

export const AdminUnlockRequest = Type.Object({ login: Type.Optional(Login), client: Type.Optional(Login) });
export type AdminUnlockRequest = Static<typeof AdminUnlockRequest>;

/** Recovery by SMS: a 6-digit code to the phone on the account, then a new password with it. */
export const SmsResetRequest = Type.Object({ login: Login });
export type SmsResetRequest = Static<typeof SmsResetRequest>;

export const SmsResetConfirmRequest = Type.Object({ login: Login, code: Code, password: Secret });
export type SmsResetConfirmRequest = Static<typeof SmsResetConfirmRequest>;

const Role = Type.Union([
  Type.Literal('patient'),
  Type.Literal('doctor'),
  Type.Literal('nurse'),
  Type.Literal('unit-assistant'),
  Type.Literal('hub-specialist'),
  Type.Literal('dialysis-coordinator'),
  Type.Literal('programme-manager'),
  Type.Literal('pharmacist'),
  Type.Literal('administrator'),
]);
/** Every platform role, in the order above (what the web app must name in each language). */
export const PLATFORM_ROLES: readonly string[] = Role.anyOf.map((literal) => literal.const);

/** An administrator creates a staff account (the person sets a password through the reset link). */
export const AccountCreateRequest = Type.Object({
  login: Login,
  displayName: Type.String({ minLength: 1, maxLength: 200 }),
  email: Type.String({ minLength: 3, maxLength: 254 }),
  phone: Type.Optional(Type.String({ maxLength: 30 })),
  roles: Type.Array(Role, { minItems: 1, maxItems: 8 }),
  fhirUser: Type.Optional(Type.String({ maxLength: 80 })),
});
export type AccountCreateRequest = Static<typeof AccountCreateRequest>;

export const AccountUpdateRequest = Type.Object({
  roles: Type.Optional(Type.Array(Role, { minItems: 1, maxItems: 8 })),
  fhirUser: Type.Optional(Type.Union([Type.String({ maxLength: 80 }), Type.Null()])),
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});
export type AccountUpdateRequest = Static<typeof AccountUpdateRequest>;

/**
 * The person's contact details (a patient's are also on their record). A field left out stays as
 * it is; null or "" clears it; a new value waits for the code sent to it; any other field is refused.
 */
export const ContactRequest = Type.Object(
  {
    email: Type.Optional(Type.Union([Type.String({ maxLength: 254 }), Type.Null()])),
    phone: Type.Optional(Type.Union([Type.String({ maxLength: 30 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type ContactRequest = Static<typeof ContactRequest>;

/** The code sent to a new email or phone, which makes the change. */
export const ContactConfirmRequest = Type.Object(
  {
    channel: Type.Union([Type.Literal('email'), Type.Literal('phone')]),
    code: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
);
export type ContactConfirmRequest = Static<typeof ContactConfirmRequest>;
