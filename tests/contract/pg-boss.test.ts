import { describeContract } from './suite';
import { fixture } from './fixtures/pg-boss';

describeContract(fixture);
