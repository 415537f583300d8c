// pre_aggregate_interval: interval parsing, epoch-aligned buckets, window selection.
// Expected values by hand (each bucket holds two or one small numbers).

import Testing
import EFD

private let nan = Double.nan

@Suite("pre-aggregation")
struct PreAggregationTests {
    @Test(arguments: [
        ("1s", 1_000_000 as Int64), ("500ms", 500_000), ("2m", 120_000_000), ("1h", 3_600_000_000),
        ("1d", 86_400_000_000), ("1w", 604_800_000_000), ("250u", 250), ("250\u{00B5}", 250),
        ("3000ns", 3), ("10s", 10_000_000),
    ])
    func parsesInfluxQLDurations(text: String, microseconds: Int64) throws {
        let interval = try #require(AggregationInterval(parsing: text))
        #expect(interval.microseconds == microseconds)
        #expect(interval.seconds == Double(microseconds) / 1e6)
    }

    @Test(arguments: [
        "", "0s", "-1s", "+1s", "1x", "1e400s", "1.5s", "s", "1", " 1s", "1s ", "1 s", "1h30m", "1500ns",
        "99999999999999999999s", "9223372036854775807w", "1S", "1sec",
    ])
    func rejectsEverythingElse(text: String) {
        #expect(AggregationInterval(parsing: text) == nil)
    }

    @Test func describesCanonically() throws {
        #expect(try #require(AggregationInterval(parsing: "1000ms")).description == "1s")
        #expect(try #require(AggregationInterval(parsing: "500ms")).description == "500ms")
        #expect(try #require(AggregationInterval(parsing: "90s")).description == "90s")
        #expect(try #require(AggregationInterval(parsing: "120s")).description == "2m")
        #expect(try #require(AggregationInterval(parsing: "7u")).description == "7u")
        #expect(BucketStatistic.mean.influxQLName == "MEAN")
    }

    private let oneSecond = AggregationInterval(parsing: "1s")!
    private let times: [Double] = [0.2, 0.7, 1.1, 1.9, 3.5]
    private let values: [Double] = [1, 2, 3, 5, 7]

    @Test func bucketsAreEpochAlignedAndEmptyOnesDropped() {
        // Buckets [0,1): 1, 2; [1,2): 3, 5; [2,3): none; [3,4): 7.
        let mean = PreAggregation(interval: oneSecond, statistic: .mean).aggregate(times: times, values: values)
        #expect(mean.times == [0, 1, 3])
        #expect(mean.values == [1.5, 4, 7])
        let min = PreAggregation(interval: oneSecond, statistic: .min).aggregate(times: times, values: values)
        #expect(min.values == [1, 3, 7])
        let max = PreAggregation(interval: oneSecond, statistic: .max).aggregate(times: times, values: values)
        #expect(max.values == [2, 5, 7])
    }

    @Test func nanValuesAreSkippedInsideABucket() {
        let p = PreAggregation(interval: oneSecond, statistic: .mean)
        let result = p.aggregate(times: times, values: [1, nan, nan, nan, 7])
        #expect(result.times == [0, 3])
        #expect(result.values == [1, 7])
        #expect(p.aggregate(times: [], values: []).times.isEmpty)
        // Non-finite times are skipped; mismatched lengths give nothing.
        let hostile = p.aggregate(times: [0.2, nan, 0.7, .infinity], values: [1, 100, 3, 100])
        #expect(hostile.times == [0] && hostile.values == [2])
        #expect(p.aggregate(times: [1, 2], values: [1]).times.isEmpty)
    }

    @Test func realEpochTimesAndSubSecondIntervals() throws {
        // 1722532816.3 is stored as 1722532816.2999999523; it still opens the .3 bucket.
        let p = PreAggregation(interval: try #require(AggregationInterval(parsing: "100ms")), statistic: .max)
        let t0 = 1_722_532_816.0
        let result = p.aggregate(times: [t0 + 0.25, t0 + 0.3, t0 + 0.35, t0 + 0.4], values: [1, 2, 3, 4])
        #expect(result.values == [1, 3, 4])
        #expect(result.times.count == 3)
        expectClose(result.times[1], t0 + 0.3, relative: 1e-16)
        #expect(p.bucketIndex(of: t0 + 0.3) == 17_225_328_163)
    }

    @Test func aWindowGetsTheFullBucketsThatStartInsideIt() throws {
        // Window [0.5, 3.2] with 1 s buckets: bucket 0 starts before the window and is left
        // out (although 0.7 is inside); bucket 3 starts inside and is kept whole (its 3.5
        // is past the window's end): the reference's behaviour, see PreAggregation.
        let p = PreAggregation(interval: oneSecond, statistic: .mean)
        let window = SampleWindow(begin: 0.5, end: 3.2)
        let span = try #require(p.span(for: window))
        #expect(span.buckets == 1...3)
        #expect(span.sampleBefore == 4)
        #expect(span.sampleFrom < 1 && span.sampleFrom > 0.99)

        var buffer = TopicBuffer(fields: ["v"])
        for (t, v) in zip(times, values) { try buffer.append(time: t, values: [v]) }
        var selection = SampleSelection()
        selection.gather(from: buffer, window: window, fields: [0], preAggregation: p)
        #expect(selection.times == [1, 3])
        #expect(selection.values(field: 0) == [4, 7])
        #expect(selection.evaluate(.mean) == 5.5)

        // The whole series: r(np.mean([1.5, 4.0, 7.0])) = 4.166666666666667, a mean of bucket
        // means, not the sample mean 3.6.
        selection.gather(from: buffer, window: SampleWindow(begin: 0, end: 3.5), fields: [0], preAggregation: p)
        expectClose(selection.evaluate(.mean), 4.166666666666667, relative: 1e-15)
        let maxima = PreAggregation(interval: oneSecond, statistic: .max)
        selection.gather(from: buffer, window: SampleWindow(begin: 0, end: 3.5), fields: [0], preAggregation: maxima)
        #expect(selection.values(field: 0) == [2, 5, 7])

        // A window inside one bucket, after its start: no bucket starts in it.
        #expect(p.span(for: SampleWindow(begin: 1.2, end: 1.8)) == nil)
        selection.gather(from: buffer, window: SampleWindow(begin: 1.2, end: 1.8), fields: [0], preAggregation: p)
        #expect(selection.count == 0)
        #expect(selection.evaluate(.mean) == nil)
        #expect(p.span(for: SampleWindow(begin: nan, end: 3)) == nil)
    }

    @Test func multiFieldBucketsDropIncompleteRowsAfterBucketing() throws {
        // Field b has no value in bucket 1: InfluxDB returns null there and the reference's
        // dropna() removes that bucket row (a's value too).
        var buffer = TopicBuffer(fields: ["a", "b"])
        try buffer.append(time: 0.2, values: [1, 10])
        try buffer.append(time: 0.7, values: [3, nan])
        try buffer.append(time: 1.5, values: [5, nan])
        try buffer.append(time: 2.5, values: [7, 70])
        let p = PreAggregation(interval: oneSecond, statistic: .mean)
        var selection = SampleSelection()
        selection.gather(from: buffer, window: SampleWindow(begin: 0, end: 2.9), fields: [0, 1], preAggregation: p)
        #expect(selection.times == [0, 2])
        #expect(selection.values(field: 0) == [2, 7])
        #expect(selection.values(field: 1) == [10, 70])
        selection.gather(
            from: buffer, window: SampleWindow(begin: 0, end: 2.9), fields: [0, 1], preAggregation: p,
            incompleteRows: .keepValues)
        #expect(selection.times == [0, 1, 2])
        #expect(selection.values(field: 0) == [2, 5, 7])
    }

    @Test func subsetFilterAppliesBeforeBucketing() throws {
        var buffer = TopicBuffer(fields: ["salIndex", "v"])
        try buffer.append(time: 0.1, values: [1, 10])
        try buffer.append(time: 0.2, values: [2, 1000])
        try buffer.append(time: 0.3, values: [1, 20])
        var selection = SampleSelection()
        selection.gather(
            from: buffer, window: SampleWindow(begin: 0, end: 0.9), fields: [1],
            subset: SubsetFilter(field: 0, value: 1),
            preAggregation: PreAggregation(interval: oneSecond, statistic: .mean))
        #expect(selection.values(field: 0) == [15])
    }
}
