import { describeContract } from './suite';
import { fixture } from './fixtures/good-job';

describeContract(fixture);
