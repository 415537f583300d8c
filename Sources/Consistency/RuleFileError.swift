/// A rules file that cannot be used: which file, line and rule, and what is wrong.
public struct RuleFileError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var rule: String?
    public var message: String

    public init(file: String, line: Int?, rule: String?, message: String) {
        self.file = file
        self.line = line
        self.rule = rule
        self.message = message
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if let rule { text += ": rule '\(rule)'" }
        return text + ": " + message
    }
}
