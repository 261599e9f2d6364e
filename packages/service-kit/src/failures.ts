// What went wrong, in terms domain code and store adapters can use without knowing HTTP:
// a kind (not found, conflict, unavailable, …), a detail for people, and optionally a
// problem slug and members for programs. The server's error handler is the one place that
// gives each kind its HTTP answer (problems.ts).

export type FailureKind = 'invalid' | 'forbidden' | 'not-found' | 'conflict' | 'gone' | 'unprocessable' | 'unavailable';

export interface FieldError {
  path: string;
  message: string;
}

export interface FailureOptions {
  /** Names the failure for programs (the problem `type`); by default the kind's own. */
  slug?: string;
  errors?: FieldError[];
  /** Members a caller acts on (`retryAfterSeconds`, `cancelledAt`, `from`…). */
  extensions?: Record<string, unknown>;
  /** When trying again may succeed. */
  retryAfterSeconds?: number;
}

export class Failure extends Error {
  readonly kind: FailureKind;
  readonly slug: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly extensions: Record<string, unknown>;
  readonly retryAfterSeconds: number | undefined;

  constructor(kind: FailureKind, detail: string, options: FailureOptions = {}) {
    super(detail);
    this.name = new.target.name;
    this.kind = kind;
    this.slug = options.slug;
    this.errors = options.errors;
    this.extensions = options.extensions ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The input breaks a rule the contract cannot express (a cursor this service never gave out). */
export class InvalidInput extends Failure {
  constructor(detail: string, errors?: FieldError[]) {
    super('invalid', detail, { slug: 'validation', ...(errors ? { errors } : {}) });
  }
}

export class NotFound extends Failure {
  constructor(detail: string) {
    super('not-found', detail);
  }
}

/** The resource's state does not allow it now. */
export class Conflict extends Failure {
  constructor(detail: string, options: FailureOptions = {}) {
    super('conflict', detail, options);
  }
}

/** It existed and is gone for good. */
export class Gone extends Failure {
  constructor(detail: string, options: FailureOptions = {}) {
    super('gone', detail, options);
  }
}

/** Well-formed, but it can never be carried out as asked. */
export class Unprocessable extends Failure {
  constructor(detail: string, options: FailureOptions = {}) {
    super('unprocessable', detail, options);
  }
}

/** A dependency cannot be reached now; trying again later may succeed. */
export class Unavailable extends Failure {
  constructor(detail: string, retryAfterSeconds: number) {
    super('unavailable', detail, { retryAfterSeconds });
  }
}

export class Forbidden extends Failure {
  constructor(detail: string) {
    super('forbidden', detail, { slug: 'forbidden' });
  }
}
