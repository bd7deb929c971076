import { InvalidValueError } from './errors';

/** For the kernel's specs: the code of the InvalidValueError `fn` throws, or undefined when it does not throw. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidValueError) return error.code;
    throw error;
  }
  return undefined;
}
