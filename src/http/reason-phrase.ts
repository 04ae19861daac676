/**
 * twine and Maven's wagon print the HTTP reason phrase of a refused upload, not its body
 * (warehouse puts its message there too): so a refused publish carries larder's message in both.
 */

/** What a client shows of a refusal: one line, cut where a terminal line would wrap a few times. */
const MAX_REASON_LENGTH = 400;

/** A message as an HTTP reason phrase: one line of printable ASCII (Node refuses anything else). */
export function reasonPhrase(message: string): string {
  const line = message.replace(/…/g, '...').replace(/[^\x20-\x7e]/g, '?');
  return line.length > MAX_REASON_LENGTH ? `${line.slice(0, MAX_REASON_LENGTH - 3)}...` : line;
}
