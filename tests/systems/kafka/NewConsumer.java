// A Java consumer on the KIP-848 protocol (group.protocol=consumer), which kafkajs cannot
// speak: args group topic runMillis. Polls, commits synchronously, prints "polled <n>".
import org.apache.kafka.clients.consumer.*;
import java.util.*;
import java.time.Duration;
public class NewConsumer {
  public static void main(String[] a) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", System.getenv().getOrDefault("JOBSCOPE_KAFKA_BROKERS", "127.0.0.1:9092"));
    p.put("group.id", a[0]);
    p.put("group.protocol", "consumer");
    p.put("auto.offset.reset", "earliest");
    p.put("enable.auto.commit", "false");
    p.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    p.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      c.subscribe(List.of(a[1]));
      long end = System.currentTimeMillis() + Long.parseLong(a[2]);
      int n = 0;
      while (System.currentTimeMillis() < end) {
        n += c.poll(Duration.ofMillis(500)).count();
        if (n > 0) { c.commitSync(); }
        System.out.println("polled " + n); System.out.flush();
      }
    }
  }
}
