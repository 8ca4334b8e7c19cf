import { describeContract } from './suite';
import { fixture } from './fixtures/que';

describeContract(fixture);
