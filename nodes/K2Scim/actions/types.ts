import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

/** One operation: its fields and its code side by side. */
export interface Operation {
	description: INodeProperties[];
	/** Runs one input item; returns that item's output items (paired by the router). */
	execute?: (this: IExecuteFunctions, itemIndex: number) => Promise<INodeExecutionData[]>;
	/**
	 * Runs all input items together (batched writes, reconciliation). Returns, for each input
	 * item, its output items or the error that item ended with.
	 */
	executeAll?: (
		this: IExecuteFunctions,
		itemCount: number,
	) => Promise<Array<INodeExecutionData[] | Error> | BatchResult>;
}

export type ResourceOperations = Record<string, Operation>;

/** What a batch operation returns when it also emits items no single input owns (a sync's deprovisions). */
export interface BatchResult {
	perItem: Array<INodeExecutionData[] | Error>;
	/** Emitted after the per-item results, with their own pairedItem. */
	additional: INodeExecutionData[];
	/** A second output (Sync's Held for Approval), when the operation has one. */
	held?: INodeExecutionData[];
}
