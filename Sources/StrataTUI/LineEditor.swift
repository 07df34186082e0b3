// One line of editable text with a cursor: insert, delete either way, jump and delete
// by words, home and end, paste. Pure value type; the interface feeds it keys.

public struct LineEditor: Equatable, Sendable {
    public private(set) var characters: [Character]
    /// 0...count: the cursor sits before characters[cursor].
    public private(set) var cursor: Int

    public init(_ text: String = "") { characters = Array(text); cursor = characters.count }

    public var text: String {
        get { String(characters) }
        set { characters = Array(newValue); cursor = characters.count }
    }

    public mutating func insert(_ s: String) {
        let new = Array(s.filter { $0 != "\n" && $0 != "\r" && $0 != "\t" })
        characters.insert(contentsOf: new, at: cursor)
        cursor += new.count
    }

    public mutating func backspace() {
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1)
        cursor -= 1
    }

    public mutating func deleteForward() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    public mutating func left() { cursor = max(0, cursor - 1) }
    public mutating func right() { cursor = min(characters.count, cursor + 1) }
    public mutating func home() { cursor = 0 }
    public mutating func end() { cursor = characters.count }

    /// The start of the word before the cursor (skipping spaces first).
    func wordStartBefore(_ i: Int) -> Int {
        var j = i
        while j > 0, characters[j - 1] == " " { j -= 1 }
        while j > 0, characters[j - 1] != " " { j -= 1 }
        return j
    }

    func wordEndAfter(_ i: Int) -> Int {
        var j = i
        while j < characters.count, characters[j] == " " { j += 1 }
        while j < characters.count, characters[j] != " " { j += 1 }
        return j
    }

    public mutating func wordLeft() { cursor = wordStartBefore(cursor) }
    public mutating func wordRight() { cursor = wordEndAfter(cursor) }

    public mutating func deleteWordBefore() {
        let start = wordStartBefore(cursor)
        characters.removeSubrange(start..<cursor)
        cursor = start
    }

    public mutating func deleteToEnd() { characters.removeSubrange(cursor..<characters.count) }
    public mutating func deleteToStart() { characters.removeSubrange(0..<cursor); cursor = 0 }

    /// The visible slice for a field `width` columns wide, keeping the cursor in view,
    /// and the cursor's column within it.
    public func visible(width: Int) -> (text: String, cursorColumn: Int) {
        guard width > 0 else { return ("", 0) }
        let start = max(0, cursor - width + 1)
        let end = min(characters.count, start + width)
        return (String(characters[start..<end]), cursor - start)
    }
}
