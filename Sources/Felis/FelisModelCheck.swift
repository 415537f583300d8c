/// The checks a model must pass before any of it is written into DDL.
///
/// The loader enforces these (and more) with line numbers; this repeats the ones DDL safety depends
/// on, for models built or edited in code.
package enum FelisModelCheck {
    package static func check(_ schema: FelisSchema) throws {
        try name(schema.name, what: "schema name", table: nil, column: nil)
        var tableNames: Set<String> = []
        for table in schema.tables {
            try name(table.name, what: "table name", table: table.name, column: nil)
            guard tableNames.insert(table.name).inserted else {
                throw FelisError(.duplicateName, "table '\(table.name)' is defined twice", table: table.name)
            }
            var columnNames: Set<String> = []
            for column in table.columns {
                try name(column.name, what: "column name", table: table.name, column: column.name)
                guard columnNames.insert(column.name).inserted else {
                    throw FelisError(.duplicateName, "column '\(column.name)' is defined twice", table: table.name, column: column.name)
                }
            }
            for key in table.primaryKey where !columnNames.contains(key) {
                throw FelisError(.unknownReference, "primary key names column \(key), which the table does not have", table: table.name)
            }
            for constraint in table.constraints {
                try name(constraint.name, what: "constraint name", table: table.name, column: nil)
                try columns(constraint.columns, of: table, what: "constraint \(constraint.name)")
                if constraint.kind == .foreignKey {
                    guard let referenced = constraint.referencedTable.flatMap(schema.table) else {
                        throw FelisError(.unknownReference, "foreign key \(constraint.name) references a table the schema does not have", table: table.name)
                    }
                    try columns(constraint.referencedColumns, of: referenced, what: "foreign key \(constraint.name)")
                }
                if constraint.kind == .check {
                    if let problem = SQLText.problem(withExpression: constraint.expression ?? "") {
                        throw FelisError(.invalidValue, "constraint \(constraint.name): \(problem)", table: table.name)
                    }
                }
            }
            for index in table.indexes {
                try name(index.name, what: "index name", table: table.name, column: nil)
                try columns(index.columns, of: table, what: "index \(index.name)")
                for expression in index.expressions {
                    if let problem = SQLText.problem(withExpression: expression) {
                        throw FelisError(.invalidValue, "index \(index.name): \(problem)", table: table.name)
                    }
                }
                if index.columns.isEmpty == index.expressions.isEmpty {
                    throw FelisError(.invalidValue, "index \(index.name) needs either columns or expressions", table: table.name)
                }
            }
        }
    }

    private static func name(_ name: String, what: String, table: String?, column: String?) throws {
        if let problem = SQLText.problem(withName: name) {
            throw FelisError(.invalidName, "invalid \(what): \(problem)", table: table, column: column)
        }
    }

    private static func columns(_ names: [String], of table: FelisTable, what: String) throws {
        for name in names where table.column(name) == nil {
            throw FelisError(.unknownReference, "\(what) names column \(name), which table \(table.name) does not have", table: table.name)
        }
    }
}
