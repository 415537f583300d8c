// ADQL geometry on pgSphere. ADQL speaks degrees, pgSphere radians: coordinates go through radians() on
// the way in and degrees() on the way out. Only ICRS (or an empty coordinate system) is accepted, the
// frame the database's positions are in. BOX becomes pgSphere's sbox, whose sides follow constant
// longitude and latitude (ADQL's great-circle sides differ slightly for large boxes; BOX is deprecated).

/// What a geometry expression is known to be, when the tree says (a column's type is not known here).
enum ADQLGeometryKind {
    case point, circle, polygon, box, unknown
}

extension ADQLSQLWriter {
    /// `CONTAINS(…) = 1`, `INTERSECTS(…) <> 0` and the like as a plain pgSphere condition, which an index
    /// on the geometry can serve; nil when the comparison is not of that shape.
    func geometryPredicate(_ op: ADQLComparison, _ left: ADQLExpression, _ right: ADQLExpression, in scopes: [ADQLScope]) throws(ADQLError) -> String? {
        guard op == .equal || op == .notEqual else { return nil }
        func shape(_ call: ADQLExpression, _ literal: ADQLExpression) -> (String, [ADQLExpression], Bool)? {
            guard case .function(let name, let arguments) = call.kind, name == "CONTAINS" || name == "INTERSECTS",
                  arguments.count == 2, case .number(let text, integer: true) = literal.kind, text == "0" || text == "1"
            else { return nil }
            return (name, arguments, (op == .equal) == (text == "1"))
        }
        guard let (name, arguments, truth) = shape(left, right) ?? shape(right, left) else { return nil }
        let condition = try geometryCondition(name, arguments, in: scopes)
        return truth ? condition : "(NOT " + condition + ")"
    }

    /// CONTAINS or INTERSECTS as a boolean pgSphere operation.
    func geometryCondition(_ name: String, _ arguments: [ADQLExpression], in scopes: [ADQLScope]) throws(ADQLError) -> String {
        let (a, aKind) = try geometry(arguments[0], in: scopes)
        let (b, bKind) = try geometry(arguments[1], in: scopes)
        if name == "CONTAINS" {
            if bKind == .point, aKind != .point, aKind != .unknown {
                throw ADQLError("CONTAINS(a, b) asks whether a lies in b; a region cannot lie in a point", at: arguments[0].position)
            }
            return "(" + a + " @ " + b + ")"
        }
        // pgSphere's overlap operator && has no point operands; a point intersects a region when inside it.
        if aKind == .point { return "(" + a + " @ " + b + ")" }
        if bKind == .point { return "(" + b + " @ " + a + ")" }
        return "(" + a + " && " + b + ")"
    }

    func geometryFunction(_ name: String, _ arguments: [ADQLExpression], at position: ADQLPosition, in scopes: [ADQLScope]) throws(ADQLError) -> String {
        switch name {
        case "CONTAINS", "INTERSECTS":
            // As a value ADQL wants 1 or 0 (NULL stays NULL).
            return "CAST(" + (try geometryCondition(name, arguments, in: scopes)) + " AS integer)"
        case "DISTANCE":
            let a: String, b: String
            switch arguments.count {
            case 2:
                a = try point(arguments[0], in: scopes)
                b = try point(arguments[1], in: scopes)
            case 4:
                a = try spoint(arguments[0], arguments[1], in: scopes)
                b = try spoint(arguments[2], arguments[3], in: scopes)
            default:
                throw ADQLError("DISTANCE takes two points or four coordinates", at: position)
            }
            return "degrees(" + a + " <-> " + b + ")"
        case "AREA":
            let (g, kind) = try geometry(arguments[0], in: scopes)
            if kind == .point { return "CAST(0 AS double precision)" }
            // Steradians to square degrees.
            return "degrees(degrees(area(" + g + ")))"
        case "COORD1":
            return "degrees(long(" + (try point(arguments[0], in: scopes)) + "))"
        case "COORD2":
            return "degrees(lat(" + (try point(arguments[0], in: scopes)) + "))"
        case "COORDSYS":
            // Everything here is ICRS; a NULL geometry has no coordinate system.
            return "(CASE WHEN " + (try geometry(arguments[0], in: scopes).sql) + " IS NULL THEN NULL ELSE 'ICRS' END)"
        default:
            return try geometry(ADQLExpression(.function(name, arguments), at: position), in: scopes).sql
        }
    }

    /// A geometry value: pgSphere text for the expression, and what it is when known.
    func geometry(_ expression: ADQLExpression, in scopes: [ADQLScope]) throws(ADQLError) -> (sql: String, kind: ADQLGeometryKind) {
        guard case .function(let name, let all) = expression.kind, ["POINT", "CIRCLE", "BOX", "POLYGON", "CENTROID"].contains(name) else {
            if case .number = expression.kind {
                throw ADQLError("Expected a geometry (POINT, CIRCLE, BOX, POLYGON or a column), not a number", at: expression.position)
            }
            if case .string = expression.kind {
                throw ADQLError("Expected a geometry (POINT, CIRCLE, BOX, POLYGON or a column), not a string", at: expression.position)
            }
            return (try self.expression(expression, in: scopes), .unknown)
        }
        let position = expression.position
        if name == "CENTROID" {
            let (g, kind) = try geometry(all[0], in: scopes)
            switch kind {
            case .point: return (g, .point)
            case .polygon, .box:
                throw ADQLError("CENTROID of a polygon or a box is not offered", at: position, hint: "pgSphere gives only a circle's centre")
            case .circle, .unknown: return ("center(" + g + ")", .point)
            }
        }
        let arguments = try withoutCoordinateSystem(all, of: name)
        switch name {
        case "POINT":
            guard arguments.count == 2 else { throw ADQLError("POINT takes two coordinates", at: position) }
            return (try spoint(arguments[0], arguments[1], in: scopes), .point)
        case "CIRCLE":
            let center: String, radius: ADQLExpression
            switch arguments.count {
            case 2: (center, radius) = (try point(arguments[0], in: scopes), arguments[1])
            case 3: (center, radius) = (try spoint(arguments[0], arguments[1], in: scopes), arguments[2])
            default: throw ADQLError("CIRCLE takes a centre (a point or two coordinates) and a radius", at: position)
            }
            return ("scircle(" + center + ", " + (try radians(radius, in: scopes)) + ")", .circle)
        case "BOX":
            let x: String, y: String, sizes: ArraySlice<ADQLExpression>
            switch arguments.count {
            case 3:
                let p = try point(arguments[0], in: scopes)
                (x, y, sizes) = ("degrees(long(" + p + "))", "degrees(lat(" + p + "))", arguments[1...])
            case 4:
                (x, y, sizes) = (try self.expression(arguments[0], in: scopes), try self.expression(arguments[1], in: scopes), arguments[2...])
            default:
                throw ADQLError("BOX takes a centre (a point or two coordinates), a width and a height", at: position)
            }
            let halfWidth = "(" + (try self.expression(sizes[sizes.startIndex], in: scopes)) + " / 2.0)"
            let halfHeight = "(" + (try self.expression(sizes[sizes.startIndex + 1], in: scopes)) + " / 2.0)"
            let corner1 = "spoint(radians(" + x + " - " + halfWidth + "), radians(" + y + " - " + halfHeight + "))"
            let corner2 = "spoint(radians(" + x + " + " + halfWidth + "), radians(" + y + " + " + halfHeight + "))"
            return ("sbox(" + corner1 + ", " + corner2 + ")", .box)
        default:  // POLYGON
            var vertices: [String] = []
            let allPoints = arguments.allSatisfy { if case .function("POINT", _) = $0.kind { true } else { false } }
            if allPoints || arguments.count % 2 == 1 {
                for argument in arguments { vertices.append(try point(argument, in: scopes)) }
            } else {
                var i = 0
                while i < arguments.count {
                    vertices.append(try spoint(arguments[i], arguments[i + 1], in: scopes))
                    i += 2
                }
            }
            guard vertices.count >= 3 else { throw ADQLError("POLYGON needs at least three vertices", at: position) }
            // pgSphere builds polygons only with its spoly aggregate; the numbered rows keep the vertex order.
            let rows = vertices.enumerated().map { "(\($0.offset + 1), \($0.element))" }.joined(separator: ", ")
            return ("(SELECT spoly(adql_vertex.adql_p ORDER BY adql_vertex.adql_n) FROM (VALUES " + rows
                    + ") AS adql_vertex(adql_n, adql_p))", .polygon)
        }
    }

    /// The arguments after an optional leading coordinate system, which must be ICRS (or empty).
    func withoutCoordinateSystem(_ arguments: [ADQLExpression], of name: String) throws(ADQLError) -> [ADQLExpression] {
        guard let first = arguments.first, case .string(let frame) = first.kind else { return arguments }
        let words = frame.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if let system = words.first, system.uppercased() != "ICRS" {
            throw ADQLError("Coordinate system '\(ADQLToken.clip(frame))' is not supported", at: first.position, hint: "use 'ICRS'")
        }
        return Array(arguments.dropFirst())
    }

    /// A point expression (POINT, CENTROID or a column).
    func point(_ expression: ADQLExpression, in scopes: [ADQLScope]) throws(ADQLError) -> String {
        let (sql, kind) = try geometry(expression, in: scopes)
        guard kind == .point || kind == .unknown else {
            throw ADQLError("Expected a point", at: expression.position)
        }
        return sql
    }

    func spoint(_ x: ADQLExpression, _ y: ADQLExpression, in scopes: [ADQLScope]) throws(ADQLError) -> String {
        "spoint(" + (try radians(x, in: scopes)) + ", " + (try radians(y, in: scopes)) + ")"
    }

    func radians(_ degrees: ADQLExpression, in scopes: [ADQLScope]) throws(ADQLError) -> String {
        "radians(" + (try expression(degrees, in: scopes)) + ")"
    }
}
