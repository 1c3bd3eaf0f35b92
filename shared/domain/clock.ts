/** Time is injected so expiry, TTL and leases are tested without sleeping. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export const toEpochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** A clock that tests move by hand. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start: Date | string = '2026-01-01T00:00:00.000Z') {
    this.#now = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  advance(milliseconds: number): void {
    this.#now += milliseconds;
  }

  set(date: Date | string): void {
    this.#now = new Date(date).getTime();
  }
}
