// The one conversion between the library's camelCase names and Hugging Face's snake_case ones
// (option keys, TrainingArguments fields, config.json and tokenizer_config.json keys, metric
// keyword arguments). Special cases that are not plain conversions (config's `_name_or_path`)
// stay with their owners.

/** `maxLength` → `max_length`. Every capital becomes `_` and its lower case. */
export function camelToSnake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * `max_length` (or the command line's `max-length`) → `maxLength`: a lower-case letter or digit
 * after `_` or `-` is joined on, upper-cased.
 */
export function snakeToCamel(name: string): string {
  return name.replace(/[_-]([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
