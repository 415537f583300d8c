// libyaml's event parser, as bundled by Yams (its `CYaml` module): Yams itself only builds whole trees,
// recursively; the event stream lets the parser check the file's shape as it goes, with no recursion
// (hostile nesting cannot overflow the stack) and no intermediate tree (a large header parses fast).
import CYaml

/// Reads HeaderService header files: a mapping of section names to lists of `{keyword, value, comment}`
/// mappings. Any other shape (a nested collection where a scalar belongs, aliases, several documents) is an
/// error naming the line. Unknown record keys are ignored, so a newer HeaderService field does not break
/// ingestion. Plain scalars are typed as PyYAML types them (``PlainScalar``); quoted ones are strings.
struct HeaderParser {
    var limits: HeaderLimits

    /// Where the parser is in the expected shape.
    private enum State {
        case streamStart, documentStart, topMapping
        case sectionName
        case sectionList(name: String)
        case record
        case recordKey
        case recordValue(key: String)
        case afterTopMapping, afterDocument, done
    }

    func parse(_ bytes: [UInt8]) throws(HeaderFileError) -> HeaderFile {
        guard bytes.count <= limits.maximumBytes else {
            throw HeaderFileError("file is larger than \(limits.maximumBytes) bytes (\(bytes.count))")
        }
        guard !bytes.isEmpty else { throw HeaderFileError("file is empty") }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw HeaderFileError("cannot initialise the YAML parser") }
        defer { yaml_parser_delete(&parser) }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(HeaderFileError) -> HeaderFile in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            return try run(&parser)
        }
    }

    private func run(_ parser: inout yaml_parser_t) throws(HeaderFileError) -> HeaderFile {
        var state = State.streamStart
        var sections: [HeaderSection] = []
        var sectionNames = Set<String>()
        var cards: [HeaderCard] = []
        var openSection = ""
        var cardCount = 0
        var keyword: String?
        var value = HeaderValue.null
        var comment: String?
        var seenKeys = Set<String>()
        var skipDepth = 0

        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else {
                let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
                throw HeaderFileError("not valid YAML: \(problem)", line: Int(parser.problem_mark.line) + 1)
            }
            defer { yaml_event_delete(&event) }
            let line = Int(event.start_mark.line) + 1
            let type = event.type

            if type == YAML_ALIAS_EVENT {
                throw HeaderFileError("YAML aliases are not used in header files", line: line)
            }
            // Inside an unknown record key's collection value: skip it whole (depth-counted, no recursion).
            if skipDepth > 0 {
                if type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT {
                    skipDepth += 1
                    guard skipDepth <= 64 else { throw HeaderFileError("an unknown record field is nested too deeply", line: line) }
                } else if type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT {
                    skipDepth -= 1
                }
                continue
            }

            switch state {
            case .streamStart:
                guard type == YAML_STREAM_START_EVENT else { throw unexpected(type, line) }
                state = .documentStart
            case .documentStart:
                if type == YAML_STREAM_END_EVENT { throw HeaderFileError("file holds no YAML document") }
                guard type == YAML_DOCUMENT_START_EVENT else { throw unexpected(type, line) }
                state = .topMapping
            case .topMapping:
                guard type == YAML_MAPPING_START_EVENT else {
                    throw HeaderFileError("expected a mapping of section names to records, found \(describe(type))", line: line)
                }
                state = .sectionName
            case .sectionName:
                if type == YAML_MAPPING_END_EVENT { state = .afterTopMapping; break }
                guard type == YAML_SCALAR_EVENT, let name = try scalarText(event, line: line) else {
                    throw HeaderFileError("expected a section name, found \(describe(type))", line: line)
                }
                guard sectionNames.insert(name).inserted else { throw HeaderFileError("section \(name) appears twice", line: line) }
                guard sections.count < limits.maximumSections else {
                    throw HeaderFileError("more than \(limits.maximumSections) sections", line: line)
                }
                state = .sectionList(name: name)
            case .sectionList(let name):
                if type == YAML_SCALAR_EVENT, resolvedValue(event, text: try scalarText(event, line: line)) == .null {
                    sections.append(HeaderSection(name: name, cards: []))
                    state = .sectionName
                    break
                }
                if type == YAML_SEQUENCE_START_EVENT {
                    cards = []
                    openSection = name
                    state = .record
                    break
                }
                throw HeaderFileError("section \(name) must be a list of records, found \(describe(type))", line: line)
            case .record:
                if type == YAML_SEQUENCE_END_EVENT {
                    sections.append(HeaderSection(name: openSection, cards: cards))
                    cards = []
                    state = .sectionName
                    break
                }
                guard type == YAML_MAPPING_START_EVENT else {
                    throw HeaderFileError("a record must be a mapping with keyword, value and comment, found \(describe(type))", line: line)
                }
                keyword = nil; value = .null; comment = nil; seenKeys.removeAll(keepingCapacity: true)
                state = .recordKey
            case .recordKey:
                if type == YAML_MAPPING_END_EVENT {
                    cardCount += 1
                    guard cardCount <= limits.maximumCards else { throw HeaderFileError("more than \(limits.maximumCards) records", line: line) }
                    cards.append(HeaderCard(keyword: keyword, value: value, comment: comment))
                    state = .record
                    break
                }
                guard type == YAML_SCALAR_EVENT, let key = try scalarText(event, line: line) else {
                    throw HeaderFileError("record keys must be plain names, found \(describe(type))", line: line)
                }
                guard seenKeys.insert(key).inserted else { throw HeaderFileError("record field \(key) appears twice", line: line) }
                state = .recordValue(key: key)
            case .recordValue(let key):
                guard type == YAML_SCALAR_EVENT else {
                    guard key != "keyword", key != "value", key != "comment" else {
                        throw HeaderFileError("the \(key) of a record must be a single value, found \(describe(type))", line: line)
                    }
                    guard type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT else { throw unexpected(type, line) }
                    skipDepth = 1
                    state = .recordKey
                    break
                }
                let text = try scalarText(event, line: line)
                let resolved = resolvedValue(event, text: text)
                switch key {
                case "keyword":
                    switch resolved {
                    case .null: keyword = nil
                    default: keyword = text
                    }
                case "value": value = resolved
                case "comment": comment = resolved == .null ? nil : text
                default: break
                }
                state = .recordKey
            case .afterTopMapping:
                guard type == YAML_DOCUMENT_END_EVENT else { throw unexpected(type, line) }
                state = .afterDocument
            case .afterDocument:
                guard type == YAML_STREAM_END_EVENT else {
                    throw HeaderFileError("a header file holds one YAML document; found another", line: line)
                }
                state = .done
            case .done:
                break
            }
            if case .done = state { return HeaderFile(sections: sections) }
        }
    }

    // MARK: Helpers

    private func scalarText(_ event: yaml_event_t, line: Int) throws(HeaderFileError) -> String? {
        let scalar = event.data.scalar
        let length = Int(scalar.length)
        guard length <= limits.maximumScalarBytes else {
            throw HeaderFileError("a value is longer than \(limits.maximumScalarBytes) bytes", line: line)
        }
        guard let pointer = scalar.value else { return "" }
        let buffer = UnsafeBufferPointer(start: pointer, count: length)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Types a scalar: explicit YAML tags first, then quoted → string, plain → PyYAML's resolution.
    private func resolvedValue(_ event: yaml_event_t, text: String?) -> HeaderValue {
        let text = text ?? ""
        let scalar = event.data.scalar
        if let tagPointer = scalar.tag {
            let tag = String(cString: tagPointer)
            switch tag {
            case "tag:yaml.org,2002:str": return .string(text)
            case "tag:yaml.org,2002:null": return .null
            case "tag:yaml.org,2002:float":
                if let number = PlainScalar.resolve(text).double ?? Double(text) { return .double(number) }
                return .string(text)
            case "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int":
                return PlainScalar.resolve(text)
            default: return .string(text)
            }
        }
        return scalar.style == YAML_PLAIN_SCALAR_STYLE ? PlainScalar.resolve(text) : .string(text)
    }

    private func unexpected(_ type: yaml_event_type_t, _ line: Int) -> HeaderFileError {
        HeaderFileError("unexpected \(describe(type))", line: line)
    }

    private func describe(_ type: yaml_event_type_t) -> String {
        switch type {
        case YAML_SCALAR_EVENT: return "a single value"
        case YAML_SEQUENCE_START_EVENT: return "a list"
        case YAML_MAPPING_START_EVENT: return "a mapping"
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT: return "the end of a collection"
        case YAML_DOCUMENT_START_EVENT: return "a new document"
        case YAML_DOCUMENT_END_EVENT, YAML_STREAM_END_EVENT: return "the end of the file"
        default: return "YAML event \(type.rawValue)"
        }
    }
}
