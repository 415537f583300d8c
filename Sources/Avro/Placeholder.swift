enum AvroModulePlaceholder {}
