import { describeContract } from './suite';
import { fixture } from './fixtures/jetstream';

describeContract(fixture);
