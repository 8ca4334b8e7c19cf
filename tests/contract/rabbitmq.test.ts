import { describeContract } from './suite';
import { fixture } from './fixtures/rabbitmq';

describeContract(fixture);
