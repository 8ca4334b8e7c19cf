/**
 * Counts what Jobscope sends to Redis (round trips and commands), exported as plugin
 * metrics so operators — and the benchmarks — can see the cost of a refresh.
 */
export const redisTraffic = { roundTrips: 0, commands: 0 };

export function countRoundTrip(commands: number): void {
  redisTraffic.roundTrips++;
  redisTraffic.commands += commands;
}
