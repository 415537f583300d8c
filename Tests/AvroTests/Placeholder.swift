import Testing
@Test func avroPlaceholder() {}
