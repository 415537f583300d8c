import Postgres

/// The SQL of each rule kind. Names from the rules file go in as quoted identifiers, every value as a
/// bind parameter; each statement returns `(day_obs, seq_num, detail)` rows, one per violation.
enum RuleQuery {
    static func statements(for rule: ConsistencyRule, in set: RuleSet, day: DayObs) -> [SQL] {
        let exposure = table(set.exposureTable)
        let ccd = table(set.ccdTable)
        let dayObs = day.value
        switch rule.kind {
        case .detectorSet(let tableName, let detectors):
            let count = detectors.numbers.count
            let prefix = "expected \(count) \(tableName.table) rows for detectors \(detectors), found "
            return ["""
                SELECT e.day_obs, e.seq_num,
                       \(prefix)::text || count(c.detector)
                       || CASE WHEN count(c.detector) FILTER (WHERE NOT (c.detector = ANY(\(text: detectors.arrayText)::int[]))) > 0
                               THEN \(", including detectors outside the set: ")::text || string_agg(DISTINCT c.detector::text, ',') FILTER (WHERE NOT (c.detector = ANY(\(text: detectors.arrayText)::int[])))
                               ELSE '' END
                FROM \(exposure) AS e
                LEFT JOIN \(table(tableName)) AS c ON c.exposure_id = e.exposure_id
                WHERE e.day_obs = \(dayObs)
                GROUP BY e.day_obs, e.seq_num
                HAVING count(c.detector) <> \(count)
                    OR count(DISTINCT c.detector) <> \(count)
                    OR count(c.detector) FILTER (WHERE c.detector = ANY(\(text: detectors.arrayText)::int[])) <> \(count)
                """]
        case .idEncoding(let idColumn, let multiplier):
            return ["""
                SELECT e.day_obs, e.seq_num,
                       \(idColumn + " ")::text || e.\(identifier: idColumn) || \(" <> day_obs * \(multiplier) + seq_num")::text
                FROM \(exposure) AS e
                WHERE e.day_obs = \(dayObs)
                  AND e.\(identifier: idColumn) IS DISTINCT FROM e.day_obs::bigint * \(multiplier)::bigint + e.seq_num
                """]
        case .keyAgreement(let tableName, let key, let columns):
            let disagree = SQL.joined(columns.map { "c.\(identifier: $0) IS DISTINCT FROM e.\(identifier: $0)" }, separator: " OR ")
            let shown = SQL.joined(columns.map { "coalesce(c.\(identifier: $0)::text, 'NULL')" }, separator: " || '/' || ")
            let has = " has " + columns.joined(separator: "/") + " "
            return ["""
                SELECT e.day_obs, e.seq_num,
                       \("a \(tableName.table) row of \(key) ")::text || e.\(identifier: key) || \(has)::text || \(shown)
                FROM \(table(tableName)) AS c
                JOIN \(exposure) AS e ON e.\(identifier: key) = c.\(identifier: key)
                WHERE e.day_obs = \(dayObs) AND (\(disagree))
                """]
        case .rowPerExposure(let base, let baseKey, let tableName, let key, let imageTypes, let waitSeconds):
            var sql: SQL = """
                SELECT e.day_obs, e.seq_num, \("missing \(tableName) row")::text
                FROM \(table(base)) AS e
                WHERE e.day_obs = \(dayObs)\(filter(imageTypes))
                  AND NOT EXISTS (SELECT 1 FROM \(table(tableName)) AS t WHERE t.\(identifier: key) = e.\(identifier: baseKey))
                """
            if let waitSeconds {
                // obs_end is TAI without a zone; 37 s against a wait of minutes does not matter.
                sql.append(" AND (e.obs_end IS NULL OR e.obs_end < (now() AT TIME ZONE 'UTC') - make_interval(secs => \(waitSeconds)))")
            }
            return [sql]
        case .ccdRows(let product, let expected, let byType, let imageTypes):
            var expectation: SQL = "\(expected)::bigint"
            if !byType.isEmpty {
                expectation = "CASE"
                for (type, count) in byType.sorted(by: { $0.key < $1.key }) {
                    expectation.append(" WHEN e.img_type = \(type) THEN \(count)::bigint")
                }
                expectation.append(" ELSE \(expected)::bigint END")
            }
            return ["""
                SELECT day_obs, seq_num, \("expected ")::text || expected || \(" \(product.table.table) rows, found ")::text || found
                FROM (
                    SELECT e.day_obs, e.seq_num, \(expectation) AS expected, count(p.\(identifier: product.key)) AS found
                    FROM \(exposure) AS e
                    JOIN \(ccd) AS c ON c.exposure_id = e.exposure_id
                    LEFT JOIN \(table(product.table)) AS p ON p.\(identifier: product.key) = c.ccdexposure_id
                    WHERE e.day_obs = \(dayObs)\(filter(imageTypes))
                    GROUP BY e.day_obs, e.seq_num, e.img_type
                ) AS t
                WHERE found < expected
                """]
        case .forbiddenCCDRows(let products, let detectors, let imageTypes):
            return products.map { product in
                var sql: SQL = """
                    SELECT e.day_obs, e.seq_num,
                           count(*) || \(" \(product.table.table) rows for detectors ")::text || string_agg(DISTINCT c.detector::text, ',')
                    FROM \(exposure) AS e
                    JOIN \(ccd) AS c ON c.exposure_id = e.exposure_id
                    JOIN \(table(product.table)) AS p ON p.\(identifier: product.key) = c.ccdexposure_id
                    WHERE e.day_obs = \(dayObs)\(filter(imageTypes))
                    """
                if let detectors { sql.append(" AND c.detector = ANY(\(text: detectors.arrayText)::int[])") }
                sql.append(" GROUP BY e.day_obs, e.seq_num")
                return sql
            }
        case .deadLetters(let worker):
            return ["""
                SELECT \(dayObs)::int, NULL::int,
                       \("dead letter ")::text || r.id || \(" from ")::text || r.worker || \(" at ")::text || to_char(r.rejected_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                       || \(": ")::text || left(r.error, 300)
                FROM \(table(TableName(RuleSet.ingestSchema, "rejected"))) AS r
                WHERE r.rejected_at >= \(text: DayObs.timestampText(day.start))::timestamptz
                  AND r.rejected_at < \(text: DayObs.timestampText(day.end))::timestamptz
                  AND strpos(lower(r.worker), lower(\(worker))) > 0
                ORDER BY r.rejected_at, r.id
                """]
        case .failedBatchTasks(let instrument):
            return ["""
                SELECT \(dayObs)::int, NULL::int,
                       \("EFD batch task ")::text || t.id || \(" [")::text || to_char(t.interval_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                       || \(", ")::text || to_char(t.interval_end AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || \(") failed after ")::text
                       || t.attempts || \(" attempts: ")::text || left(coalesce(t.error, ''), 300)
                FROM \(table(TableName(RuleSet.ingestSchema, "efd_batch_task"))) AS t
                WHERE t.state = 'failed' AND lower(t.instrument) = lower(\(instrument))
                  AND t.interval_start < \(text: DayObs.timestampText(day.end))::timestamptz
                  AND t.interval_end > \(text: DayObs.timestampText(day.start))::timestamptz
                ORDER BY t.interval_start, t.id
                """]
        }
    }

    static func table(_ name: TableName) -> SQL { SQL.qualified(name.schema, name.table) }

    static func filter(_ types: ImageTypeFilter) -> SQL {
        var sql: SQL = ""
        if let only = types.only { sql.append(" AND e.img_type = ANY(\(only)::text[])") }
        if !types.except.isEmpty { sql.append(" AND (e.img_type IS NULL OR NOT (e.img_type = ANY(\(types.except)::text[])))") }
        return sql
    }
}
