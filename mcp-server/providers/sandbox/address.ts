import { checkEmail } from "../validation";

/** The address a user's sandbox mail comes from: their sign-in name when it is an address. */
export function mailboxAddress(username: string, userId: string): string {
  return checkEmail(username, "username") === undefined
    ? username
    : `${userId}@mail.sandbox.example`;
}
