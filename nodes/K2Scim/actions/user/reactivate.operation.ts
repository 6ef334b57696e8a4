import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { simplifyField } from '../common.fields';
import { userLocator } from './locate';
import { setActive } from './setActive';

export const description: INodeProperties[] = [userLocator(['reactivate']), simplifyField('user', ['reactivate'])];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	return await setActive(this, itemIndex, 'reactivate');
}
