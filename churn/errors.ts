/** A problem with the user's input: printed as `file:line: message`, never with a stack trace. */
export class ChurnInputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly reason: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${reason}`);
    this.name = 'ChurnInputError';
  }
}
