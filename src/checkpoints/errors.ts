/** A checkpoint that cannot be read: the message starts with the file and names the tensor. */
export class CheckpointError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'CheckpointError';
  }
}
