/**
 * Runs `task` over `inputs` with at most `limit` in flight and returns the results in input
 * order. Once a task throws, no new task starts; the first error (in input order) is thrown
 * after the tasks already running have settled, so no request is left dangling.
 */
export async function mapConcurrent<T, R>(
	inputs: readonly T[],
	limit: number,
	task: (input: T, index: number) => Promise<R>,
): Promise<R[]> {
	const results = new Array<R>(inputs.length);
	const errors: Array<{ index: number; error: unknown }> = [];
	let next = 0;
	const worker = async () => {
		while (next < inputs.length && errors.length === 0) {
			const index = next++;
			try {
				results[index] = await task(inputs[index], index);
			} catch (error) {
				errors.push({ index, error });
			}
		}
	};
	const workers = Array.from({ length: Math.max(1, Math.min(limit, inputs.length)) }, worker);
	await Promise.all(workers);
	if (errors.length) throw errors.sort((a, b) => a.index - b.index)[0].error;
	return results;
}
