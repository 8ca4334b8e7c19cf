import { describeContract } from './suite';
import { fixture } from './fixtures/bullmq';

describeContract(fixture);
