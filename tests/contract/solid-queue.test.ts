import { describeContract } from './suite';
import { fixture } from './fixtures/solid-queue';

describeContract(fixture);
