// Errors about input data name the file and line, so a bad row can be found and fixed.

export class DataFileError extends Error {
  constructor(readonly file: string, readonly line: number | null, detail: string) {
    super(line === null ? `${file}: ${detail}` : `${file}:${line}: ${detail}`);
    this.name = 'DataFileError';
  }
}
