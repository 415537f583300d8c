// libyaml, as bundled by Yams (its `CYaml` module): Yams offers no event-level API, and only the
// event stream shows nesting without building the tree.
import CYaml

/// Limits checked on YAML text before Yams builds a tree from it.
///
/// Yams composes its node tree recursively, so a document nested a few hundred thousand levels deep
/// (`[[[[...`, or `- - - - ...`) would overflow the stack and crash the process instead of failing.
/// libyaml's own parser keeps its state on the heap, so running it first over the event stream and
/// counting open collections measures the real depth safely, and cheaply (no tree is built).
public enum YAMLLimits {
    /// Far above any real Felis file (the reference files nest 6 levels deep), far below what
    /// recursion on a 512 KiB thread stack can take.
    public static let maximumDepth = 64
    /// Felis files are well under a megabyte; anything near this is not a schema.
    public static let maximumBytes = 64 << 20

    /// A description of the limit `text` exceeds and the line where, or nil. Syntax errors are left
    /// for Yams to report (it runs the same parser, so it stops at the same place).
    public static func problem(with text: String) -> (message: String, line: Int)? {
        if text.utf8.count > maximumBytes {
            return ("document is larger than \(maximumBytes >> 20) MiB", 1)
        }
        // libyaml asserts on a null input pointer, which is what an empty array gives.
        if text.isEmpty { return nil }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> (message: String, line: Int)? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var depth = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    depth += 1
                    if depth > maximumDepth {
                        return ("document is nested more than \(maximumDepth) levels deep", Int(event.start_mark.line) + 1)
                    }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    depth -= 1
                case YAML_STREAM_END_EVENT, YAML_NO_EVENT:
                    return nil
                default:
                    break
                }
            }
        }
    }
}
