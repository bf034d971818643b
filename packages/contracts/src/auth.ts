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
