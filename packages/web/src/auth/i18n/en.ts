import type { Messages } from '../../i18n/messages.ts';
import type { fr } from './fr.ts';

export const en: Messages<typeof fr> = {
  title: 'Sign in to Sahti',
  lede: 'Your health record, shared between the carers who look after you.',
  who: 'You are',
  patient: 'A patient',
  staff: 'A health worker',
  cnie: 'CNIE number',
  cnieHint: 'The number on your national identity card, for example AB123456.',
  login: 'Login',
  loginHint: 'Your work email address or your INPE number.',
  password: 'Password',
  submit: 'Sign in',
  totp: 'Code from your authenticator app',
  totpHint: 'The 6 digits your app shows right now.',
  emailCode: 'Code sent by email',
  emailCodeHint: 'We have just sent 6 digits to your email address. The code is valid for 10 minutes.',
  secondFactorTitle: 'Confirm it is you',
  verify: 'Continue',
  startAgain: 'Start again',
  errors: {
    cnieMissing: 'Enter your CNIE number',
    cnieFormat: 'A CNIE number is 1 or 2 letters followed by 5 or 6 digits, for example AB123456',
    loginMissing: 'Enter your login',
    passwordMissing: 'Enter your password',
    codeMissing: 'Enter the 6-digit code',
    codeFormat: 'The code is 6 digits',
    wrongCredentials: 'The login or the password is wrong',
    wrongCode: 'The code is wrong or was already used. Wait for the next one, then try again',
    unavailable: 'Signing in is not available on this server yet.',
  },
};
