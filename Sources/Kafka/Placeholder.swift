enum KafkaModulePlaceholder {}
