import { describeContract } from './suite';
import { fixture } from './fixtures/graphile-worker';

describeContract(fixture);
