import { describeContract } from './suite';
import { fixture } from './fixtures/sidekiq';

describeContract(fixture);
