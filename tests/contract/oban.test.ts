import { describeContract } from './suite';
import { fixture } from './fixtures/oban';

describeContract(fixture);
