/// Sequence numbers written as runs, the way the daily check's alert lists them: `1-3,7`.
public enum SeqNumRuns {
    /// Sorts, drops repeats and joins consecutive numbers into `first-last` runs.
    public static func text(_ numbers: [Int]) -> String {
        let sorted = Array(Set(numbers)).sorted()
        guard var start = sorted.first else { return "" }
        var previous = start
        var runs: [String] = []
        func close() { runs.append(start == previous ? "\(start)" : "\(start)-\(previous)") }
        for number in sorted.dropFirst() {
            if number == previous + 1 {
                previous = number
                continue
            }
            close()
            start = number
            previous = number
        }
        close()
        return runs.joined(separator: ",")
    }
}
