package dev.panamax.bench.npy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the tiny subset of Python literal syntax a .npy header uses: a dict
 * with string keys whose values are strings, {@code True}/{@code False},
 * integers or tuples of integers. Anything else is a format error.
 */
final class PyLiteral {
    private final String text;
    private int pos;

    private PyLiteral(String text) {
        this.text = text;
    }

    /** Values: String, Boolean, Long, or List&lt;Long&gt; (a tuple). */
    static Map<String, Object> parseDict(String text) {
        PyLiteral p = new PyLiteral(text);
        Map<String, Object> dict = p.dict();
        p.skipSpace();
        if (p.pos != text.length()) {
            throw p.error("unexpected text after the dict");
        }
        return dict;
    }

    private Map<String, Object> dict() {
        expect('{');
        Map<String, Object> dict = new LinkedHashMap<>();
        while (true) {
            skipSpace();
            if (peek() == '}') {
                pos++;
                return dict;
            }
            String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            if (dict.put(key, value()) != null) {
                throw error("duplicate key '" + key + "'");
            }
            skipSpace();
            if (peek() == ',') {
                pos++;
            } else if (peek() != '}') {
                throw error("expected ',' or '}'");
            }
        }
    }

    private Object value() {
        char c = peek();
        if (c == '\'' || c == '"') {
            return string();
        }
        if (c == '(') {
            return tuple();
        }
        if (c == '-' || Character.isDigit(c)) {
            return integer();
        }
        if (text.startsWith("True", pos)) {
            pos += 4;
            return Boolean.TRUE;
        }
        if (text.startsWith("False", pos)) {
            pos += 5;
            return Boolean.FALSE;
        }
        throw error("unsupported value");
    }

    private List<Long> tuple() {
        expect('(');
        List<Long> items = new ArrayList<>();
        while (true) {
            skipSpace();
            if (peek() == ')') {
                pos++;
                return items;
            }
            items.add(integer());
            skipSpace();
            if (peek() == ',') {
                pos++;
            } else if (peek() != ')') {
                throw error("expected ',' or ')' in tuple");
            }
        }
    }

    private long integer() {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
            pos++;
        }
        // Python 2 era files may write 3L.
        String digits = text.substring(start, pos);
        if (pos < text.length() && text.charAt(pos) == 'L') {
            pos++;
        }
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw error("bad integer '" + digits + "'");
        }
    }

    private String string() {
        char quote = peek();
        if (quote != '\'' && quote != '"') {
            throw error("expected a quoted string");
        }
        int end = text.indexOf(quote, pos + 1);
        if (end < 0) {
            throw error("unterminated string");
        }
        String s = text.substring(pos + 1, end);
        pos = end + 1;
        return s;
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private NpyFormatException error(String what) {
        return new NpyFormatException("malformed header: " + what + " at offset " + pos + " of \"" + text.strip() + "\"");
    }
}
