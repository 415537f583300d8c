import ADQL

/// The rows of the five TAP 1.1 `TAP_SCHEMA` tables that describe one schema: what `consdb schema apply`
/// writes for a published schema, and what ``TAPSchemaRows/selfDescription`` writes for `TAP_SCHEMA`.
///
/// Built from a ``FelisSchema`` the way Rubin's felis tool loads a TAP schema: table names are qualified
/// (`cdb_lsstcam.exposure`), datatypes follow the VOTable mapping of ``FelisDatatype/votableDatatype``,
/// `arraysize` and `xtype` default from the length and type, and foreign keys become `keys` and
/// `key_columns`. Where felis leaves a value empty and a client is better served by one, this differs
/// (documented on each field): `column_index` defaults to the column's position in the file, an `indexed`
/// column is any PostgreSQL can find through an index, and key ids are qualified so two schemas never clash.
public struct TAPSchemaRows: Sendable, Equatable {
    /// The schema name TAP clients use for `TAP_SCHEMA` itself.
    public static let schemaName = "TAP_SCHEMA"
    /// The PostgreSQL schema holding the TAP_SCHEMA tables. ADQL clients write `TAP_SCHEMA.tables`, a
    /// regular identifier, which folds to this.
    public static let postgresSchema = "tap_schema"

    /// A row of `TAP_SCHEMA.schemas`.
    public struct Schema: Sendable, Hashable {
        public var schemaName: String
        public var utype: String?
        public var description: String?
        public var schemaIndex: Int?

        public init(schemaName: String, utype: String? = nil, description: String? = nil, schemaIndex: Int? = nil) {
            self.schemaName = schemaName
            self.utype = utype
            self.description = description
            self.schemaIndex = schemaIndex
        }
    }

    /// `table` or `view`, the two values TAP allows in `table_type`.
    public enum TableType: String, Sendable, Hashable {
        case table
        case view
    }

    /// A row of `TAP_SCHEMA.tables`.
    public struct Table: Sendable, Hashable {
        public var schemaName: String
        /// Qualified by the schema: `cdb_lsstcam.exposure`.
        public var tableName: String
        public var tableType: TableType
        public var utype: String?
        public var description: String?
        public var tableIndex: Int?

        public init(schemaName: String, tableName: String, tableType: TableType, utype: String? = nil, description: String? = nil, tableIndex: Int? = nil) {
            self.schemaName = schemaName
            self.tableName = tableName
            self.tableType = tableType
            self.utype = utype
            self.description = description
            self.tableIndex = tableIndex
        }
    }

    /// A row of `TAP_SCHEMA.columns`.
    public struct Column: Sendable, Hashable {
        /// The qualified table name, as in ``Table/tableName``.
        public var tableName: String
        public var columnName: String
        /// The VOTable datatype, e.g. `long`, `char`.
        public var datatype: String
        /// The VOTable arraysize, e.g. `64*`; nil for a scalar.
        public var arraysize: String?
        public var xtype: String?
        /// TAP 1.0's `"size"`: the number in ``arraysize`` when it is one dimension, else nil.
        public var size: Int?
        public var description: String?
        public var utype: String?
        public var unit: String?
        public var ucd: String?
        public var indexed: Bool
        public var principal: Bool
        public var std: Bool
        public var columnIndex: Int?

        public init(
            tableName: String, columnName: String, datatype: String, arraysize: String? = nil, xtype: String? = nil,
            size: Int? = nil, description: String? = nil, utype: String? = nil, unit: String? = nil, ucd: String? = nil,
            indexed: Bool = false, principal: Bool = false, std: Bool = false, columnIndex: Int? = nil
        ) {
            self.tableName = tableName
            self.columnName = columnName
            self.datatype = datatype
            self.arraysize = arraysize
            self.xtype = xtype
            self.size = size
            self.description = description
            self.utype = utype
            self.unit = unit
            self.ucd = ucd
            self.indexed = indexed
            self.principal = principal
            self.std = std
            self.columnIndex = columnIndex
        }
    }

    /// A row of `TAP_SCHEMA.keys`: a foreign key.
    public struct Key: Sendable, Hashable {
        /// Unique over the whole TAP_SCHEMA: `schema.table.constraint`.
        public var keyID: String
        public var fromTable: String
        public var targetTable: String
        public var description: String?
        public var utype: String?

        public init(keyID: String, fromTable: String, targetTable: String, description: String? = nil, utype: String? = nil) {
            self.keyID = keyID
            self.fromTable = fromTable
            self.targetTable = targetTable
            self.description = description
            self.utype = utype
        }
    }

    /// A row of `TAP_SCHEMA.key_columns`: one column pair of a foreign key.
    public struct KeyColumn: Sendable, Hashable {
        public var keyID: String
        public var fromColumn: String
        public var targetColumn: String

        public init(keyID: String, fromColumn: String, targetColumn: String) {
            self.keyID = keyID
            self.fromColumn = fromColumn
            self.targetColumn = targetColumn
        }
    }

    /// The `schema_name` every row here belongs to.
    public var schemaName: String
    public var schema: Schema
    public var tables: [Table]
    public var columns: [Column]
    public var keys: [Key]
    public var keyColumns: [KeyColumn]

    public init(schemaName: String, schema: Schema, tables: [Table] = [], columns: [Column] = [], keys: [Key] = [], keyColumns: [KeyColumn] = []) {
        self.schemaName = schemaName
        self.schema = schema
        self.tables = tables
        self.columns = columns
        self.keys = keys
        self.keyColumns = keyColumns
    }

    /// The rows for `felis`, with the tables `views` names described as views (those a ``ViewRule``
    /// made views; see ``ViewRules/applied(to:catalog:)``).
    public init(_ felis: FelisSchema, views: [ViewRule] = [], schemaIndex: Int? = 0) {
        let viewsByName = Dictionary(views.map { ($0.view, $0) }, uniquingKeysWith: { first, _ in first })
        schemaName = felis.name
        schema = Schema(schemaName: felis.name, utype: felis.utype, description: felis.description, schemaIndex: schemaIndex)
        tables = []
        columns = []
        keys = []
        keyColumns = []
        let qualify = { (table: String) in felis.name + "." + table }
        for table in felis.tables {
            let rule = viewsByName[table.name]
            tables.append(Table(
                schemaName: felis.name, tableName: qualify(table.name), tableType: rule == nil ? .table : .view,
                utype: table.utype, description: table.description, tableIndex: table.tableIndex ?? 0
            ))
            // A view column can use the index of the base column it reads.
            let indexed: Set<String>
            if let rule, let base = felis.table(rule.baseTable) {
                let baseIndexed = Self.indexedColumns(of: base)
                indexed = Set(table.columns.map(\.name).filter { baseIndexed.contains(rule.sourceColumn(for: $0)) })
            } else {
                indexed = Self.indexedColumns(of: table)
            }
            for (position, column) in table.columns.enumerated() {
                let type = TAPColumnType(column)
                columns.append(Column(
                    tableName: qualify(table.name), columnName: ADQLReservedWords.written(column.name), datatype: type.datatype,
                    arraysize: type.arraysize, xtype: type.xtype, size: type.size, description: column.description,
                    utype: column.tap.utype, unit: column.unit, ucd: column.ucd, indexed: indexed.contains(column.name),
                    principal: column.tap.principal == 1, std: column.tap.std == 1,
                    // Rows have no order; without an index a client would list columns alphabetically.
                    columnIndex: column.tap.columnIndex ?? position + 1
                ))
            }
            for constraint in table.constraints where constraint.kind == .foreignKey {
                guard let target = constraint.referencedTable else { continue }
                let keyID = qualify(table.name) + "." + constraint.name
                keys.append(Key(keyID: keyID, fromTable: qualify(table.name), targetTable: qualify(target),
                                description: constraint.description, utype: constraint.utype))
                for (from, to) in zip(constraint.columns, constraint.referencedColumns) {
                    keyColumns.append(KeyColumn(keyID: keyID, fromColumn: ADQLReservedWords.written(from),
                                                 targetColumn: ADQLReservedWords.written(to)))
                }
            }
        }
    }

    /// Columns PostgreSQL can look up through an index: the first column of the primary key, of a unique
    /// constraint (backed by an index) or of a column index. Felis marks only single-column keys; a
    /// B-tree serves its leading column alone as well.
    static func indexedColumns(of table: FelisTable) -> Set<String> {
        var indexed: Set<String> = []
        if let first = table.primaryKey.first { indexed.insert(first) }
        for constraint in table.constraints where constraint.kind == .unique {
            if let first = constraint.columns.first { indexed.insert(first) }
        }
        for index in table.indexes {
            if let first = index.columns.first { indexed.insert(first) }
        }
        return indexed
    }

    /// The same rows in a fixed order (by table, column, key), so two sets of rows compare equal
    /// whatever order they were read in.
    public func sorted() -> TAPSchemaRows {
        var copy = self
        copy.tables.sort { $0.tableName < $1.tableName }
        copy.columns.sort { ($0.tableName, $0.columnName) < ($1.tableName, $1.columnName) }
        copy.keys.sort { $0.keyID < $1.keyID }
        copy.keyColumns.sort { ($0.keyID, $0.fromColumn, $0.targetColumn) < ($1.keyID, $1.fromColumn, $1.targetColumn) }
        return copy
    }
}

/// The VOTable `datatype`, `arraysize`, `xtype` and TAP 1.0 `"size"` of a Felis column.
public struct TAPColumnType: Sendable, Hashable {
    public var datatype: String
    public var arraysize: String?
    public var xtype: String?
    public var size: Int?

    public init(datatype: String, arraysize: String? = nil, xtype: String? = nil) {
        self.datatype = datatype
        self.arraysize = arraysize
        self.xtype = xtype
        size = arraysize.flatMap(Self.size(ofArraysize:))
    }

    /// What felis gives a column: the file's `votable:arraysize` and `votable:xtype` when set; else
    /// `char` columns of length n get `n`, `string`, `unicode` and `binary` columns `n*` (nothing for a
    /// length of 1, a scalar), `text` and `timestamp` `*`; timestamps get xtype `timestamp`.
    public init(_ column: FelisColumn) {
        var arraysize = column.tap.arraysize
        if arraysize == nil {
            switch column.datatype {
            case .char:
                if let length = column.length, length > 1 { arraysize = String(length) }
            case .string, .unicode, .binary:
                if let length = column.length, length > 1 {
                    arraysize = "\(length)*"
                } else if column.length == nil, column.datatype == .binary {
                    // BYTEA has no length; felis would leave it a single byte, which misdescribes it.
                    arraysize = "*"
                }
            case .text, .timestamp:
                arraysize = "*"
            default:
                break
            }
        }
        let xtype = column.tap.xtype ?? (column.datatype == .timestamp ? "timestamp" : nil)
        self.init(datatype: column.datatype.votableDatatype, arraysize: arraysize, xtype: xtype)
    }

    /// The number in a one-dimensional arraysize (`64` or `64*`); nil for `*` and for several dimensions.
    public static func size(ofArraysize arraysize: String) -> Int? {
        let digits = arraysize.hasSuffix("*") ? String(arraysize.dropLast()) : arraysize
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(digits)
    }
}

extension FelisDatatype {
    /// The VOTable datatype felis gives this Felis datatype in TAP_SCHEMA: strings and timestamps are
    /// `char` (timestamps with xtype `timestamp`), `unicode` is `unicodeChar`, `byte` and `binary` are
    /// `unsignedByte`.
    public var votableDatatype: String {
        switch self {
        case .boolean: return "boolean"
        case .byte, .binary: return "unsignedByte"
        case .short: return "short"
        case .int: return "int"
        case .long: return "long"
        case .float: return "float"
        case .double: return "double"
        case .char, .string, .text, .timestamp: return "char"
        case .unicode: return "unicodeChar"
        }
    }
}

extension ViewRules {
    /// The rules that make views of `schema`'s tables when it is applied over `catalog` (nil for a
    /// schema not yet in the database): what ``TAPSchemaRows`` describes as views.
    public func applied(to schema: FelisSchema, catalog: CatalogSchema?) -> [ViewRule] {
        let active = active(for: schema, catalog: catalog)
        return rules.filter { active[$0.view] != nil }
    }
}
