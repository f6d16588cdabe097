/**
 * One way to say what went wrong. Messages a user sees start with
 * "BEAM Observer: " (notifications carry no other sign of who speaks).
 */

/** The message of anything thrown: an Error's message, else its text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A message for a user: "BEAM Observer: " and the text. */
export function userMessage(text: string): string {
  return `BEAM Observer: ${text}`;
}
