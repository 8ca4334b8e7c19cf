import { describeContract } from './suite';
import { fixture } from './fixtures/bull';

describeContract(fixture);
