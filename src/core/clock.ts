// The one clock of the app: ms since epoch. Everything that needs the time
// (gate, conversation TTLs, ticket timestamps) is handed this function, so a
// test can move time for the whole pipeline at once.
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** The same clock as a Date, for the parts that keep Dates (tickets, store). */
export const dateClock = (clock: Clock) => (): Date => new Date(clock());
