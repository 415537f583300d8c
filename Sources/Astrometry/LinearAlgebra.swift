// Minimal 3-vector and 3×3 matrix types for the coordinate rotations.

import Foundation

/// A Cartesian 3-vector.
struct Vector3: Sendable, Equatable {
    var x: Double
    var y: Double
    var z: Double

    init(_ x: Double, _ y: Double, _ z: Double) {
        self.x = x
        self.y = y
        self.z = z
    }

    /// Unit vector towards longitude `lon`, latitude `lat` (radians) of a right-handed
    /// spherical system (e.g. right ascension and declination).
    init(longitude lon: Double, latitude lat: Double) {
        self.init(cos(lat) * cos(lon), cos(lat) * sin(lon), sin(lat))
    }

    static func + (a: Vector3, b: Vector3) -> Vector3 { Vector3(a.x + b.x, a.y + b.y, a.z + b.z) }
    static func * (a: Vector3, s: Double) -> Vector3 { Vector3(a.x * s, a.y * s, a.z * s) }
    static func / (a: Vector3, s: Double) -> Vector3 { Vector3(a.x / s, a.y / s, a.z / s) }

    func dot(_ other: Vector3) -> Double { x * other.x + y * other.y + z * other.z }

    func cross(_ other: Vector3) -> Vector3 {
        Vector3(y * other.z - z * other.y, z * other.x - x * other.z, x * other.y - y * other.x)
    }

    var length: Double { dot(self).squareRoot() }
}

/// A 3×3 matrix stored by rows.
struct Matrix3: Sendable, Equatable {
    var row0: Vector3
    var row1: Vector3
    var row2: Vector3

    static let identity = Matrix3(row0: Vector3(1, 0, 0), row1: Vector3(0, 1, 0), row2: Vector3(0, 0, 1))

    /// The frame rotation R₁(θ) of the IERS Conventions: rotates the coordinate axes by +θ
    /// about the x axis, so a fixed vector's components change by −θ.
    static func rotationX(_ angle: Double) -> Matrix3 {
        let c = cos(angle)
        let s = sin(angle)
        return Matrix3(row0: Vector3(1, 0, 0), row1: Vector3(0, c, s), row2: Vector3(0, -s, c))
    }

    /// The frame rotation R₃(θ) of the IERS Conventions (about the z axis).
    static func rotationZ(_ angle: Double) -> Matrix3 {
        let c = cos(angle)
        let s = sin(angle)
        return Matrix3(row0: Vector3(c, s, 0), row1: Vector3(-s, c, 0), row2: Vector3(0, 0, 1))
    }

    var transposed: Matrix3 {
        Matrix3(
            row0: Vector3(row0.x, row1.x, row2.x),
            row1: Vector3(row0.y, row1.y, row2.y),
            row2: Vector3(row0.z, row1.z, row2.z)
        )
    }

    static func * (m: Matrix3, v: Vector3) -> Vector3 {
        Vector3(m.row0.dot(v), m.row1.dot(v), m.row2.dot(v))
    }

    static func * (a: Matrix3, b: Matrix3) -> Matrix3 {
        let bt = b.transposed
        return Matrix3(
            row0: Vector3(a.row0.dot(bt.row0), a.row0.dot(bt.row1), a.row0.dot(bt.row2)),
            row1: Vector3(a.row1.dot(bt.row0), a.row1.dot(bt.row1), a.row1.dot(bt.row2)),
            row2: Vector3(a.row2.dot(bt.row0), a.row2.dot(bt.row1), a.row2.dot(bt.row2))
        )
    }
}
