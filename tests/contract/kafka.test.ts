import { describeKafka } from '../systems/kafka/cluster';
import { describeContract } from './suite';
import { fixture } from './fixtures/kafka';

describeKafka('kafka contract', () => describeContract(fixture));
