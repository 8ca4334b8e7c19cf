import { describeContract } from './suite';
import { fixture } from './fixtures/rq';

describeContract(fixture);
