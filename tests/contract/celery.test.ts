import { describeContract } from './suite';
import { fixture } from './fixtures/celery';

describeContract(fixture);
