import { describeContract } from './suite';
import { fixture } from './fixtures/river';

describeContract(fixture);
