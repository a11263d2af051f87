// One sleep for the tests, the chaos suite and the benchmarks. No imports: bench/ is compiled with it.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
