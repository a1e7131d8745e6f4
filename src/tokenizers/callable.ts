// Hugging Face tokenizers and collators are called like functions (`tokenizer(text)`,
// `collator(features)`), yet they are objects with methods and state. A class extending
// Callable gets instances that are real functions: the constructor returns a function
// whose prototype is the subclass prototype, so `instanceof`, methods and fields all work.

export abstract class Callable<A extends unknown[], R> {
  constructor() {
    const self = ((...args: A): R => (self as unknown as Callable<A, R>)._call(...args)) as unknown as Callable<A, R>;
    // A function's own `name` would shadow class members; it carries no meaning here.
    delete (self as unknown as { name?: string }).name;
    // biome-ignore lint: returning from a constructor is the point of this class.
    return Object.setPrototypeOf(self, new.target.prototype);
  }

  /** What calling the instance does. */
  protected abstract _call(...args: A): R;
}
