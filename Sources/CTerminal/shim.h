// Thin shim over ncursesw and chafa for Strata's terminal editor. Swift cannot reach C
// macros or mutable C globals (stdscr, COLORS, getmaxyx, mouse masks), so each is wrapped
// in a small inline function here. SwiftPM drops pkg-config's -D flags: the wide
// character API is switched on before curses.h is included.
#ifndef STRATA_TERMINAL_SHIM_H
#define STRATA_TERMINAL_SHIM_H
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <wchar.h>
#include <curses.h>
#include <chafa.h>

static inline WINDOW *strata_stdscr(void) { return stdscr; }
static inline int strata_colors(void) { return COLORS; }
static inline int strata_lines(void) { return LINES; }
static inline int strata_cols(void) { return COLS; }
static inline int strata_key_resize(void) { return KEY_RESIZE; }
static inline int strata_key_mouse(void) { return KEY_MOUSE; }

/// The key code ncurses gives a terminfo capability (such as "kLFT5", Ctrl-Left), or -1.
static inline int strata_key_named(const char *cap) {
    char *s = tigetstr(cap);
    if (s == NULL || s == (char *)-1) return -1;
    return key_defined(s);
}

static inline int strata_read_key(uint32_t *out) {
    wint_t c = 0;
    int r = get_wch(&c);
    *out = (uint32_t)c;
    return r;  // OK (a character), KEY_CODE_YES (a key code), ERR (nothing)
}

static inline int strata_key_code_yes(void) { return KEY_CODE_YES; }
static inline int strata_color_pairs(void) { return COLOR_PAIRS; }

static inline void strata_enable_mouse(void) {
    mousemask(ALL_MOUSE_EVENTS | REPORT_MOUSE_POSITION, NULL);
    mouseinterval(0);
    // Button-motion reporting, which ncurses does not turn on, for dragging.
    fputs("\033[?1002h", stdout);
    fflush(stdout);
}

static inline void strata_disable_mouse(void) {
    fputs("\033[?1002l\033[?1000l", stdout);
    fflush(stdout);
}

/// Reads a mouse event: x, y, and 1 pressed, 2 released, 3 motion, 4 wheel up, 5 wheel
/// down, 6 right button pressed; 0 when there is none.
static inline int strata_mouse(int *x, int *y) {
    MEVENT e;
    if (getmouse(&e) != OK) return 0;
    *x = e.x; *y = e.y;
    if (e.bstate & BUTTON1_PRESSED) return 1;
    if (e.bstate & BUTTON1_RELEASED) return 2;
    if (e.bstate & BUTTON1_CLICKED) return 1;
    if (e.bstate & (BUTTON3_PRESSED | BUTTON3_CLICKED)) return 6;
    if (e.bstate & BUTTON4_PRESSED) return 4;
#ifdef BUTTON5_PRESSED
    if (e.bstate & BUTTON5_PRESSED) return 5;
#endif
    if (e.bstate & REPORT_MOUSE_POSITION) return 3;
    return 3;
}

static inline int strata_put_cell(int y, int x, uint32_t ch, int pair, int bold) {
    cchar_t c;
    wchar_t w[2] = { (wchar_t)ch, 0 };
    setcchar(&c, w, bold ? A_BOLD : A_NORMAL, (short)(pair < 32767 ? pair : 0), &pair);
    return mvadd_wch(y, x, &c);
}

/// Converts RGBA pixels to cols×rows cells in chafa's symbols mode: per cell a code
/// point and packed RGB foreground and background colours.
static inline void strata_chafa_cells(const uint8_t *rgba, int width, int height, int cols, int rows, int truecolour,
                                      uint32_t *chars, int32_t *fg, int32_t *bg) {
    ChafaSymbolMap *map = chafa_symbol_map_new();
    chafa_symbol_map_add_by_tags(map, CHAFA_SYMBOL_TAG_BLOCK | CHAFA_SYMBOL_TAG_SPACE | CHAFA_SYMBOL_TAG_QUAD | CHAFA_SYMBOL_TAG_HHALF | CHAFA_SYMBOL_TAG_VHALF);
    ChafaCanvasConfig *config = chafa_canvas_config_new();
    chafa_canvas_config_set_geometry(config, cols, rows);
    chafa_canvas_config_set_canvas_mode(config, truecolour ? CHAFA_CANVAS_MODE_TRUECOLOR : CHAFA_CANVAS_MODE_INDEXED_240);
    chafa_canvas_config_set_symbol_map(config, map);
    chafa_canvas_config_set_pixel_mode(config, CHAFA_PIXEL_MODE_SYMBOLS);
    ChafaCanvas *canvas = chafa_canvas_new(config);
    chafa_canvas_draw_all_pixels(canvas, CHAFA_PIXEL_RGBA8_UNASSOCIATED, rgba, width, height, width * 4);
    for (int y = 0; y < rows; y++) {
        for (int x = 0; x < cols; x++) {
            int f = 0, b = 0;
            chars[y * cols + x] = chafa_canvas_get_char_at(canvas, x, y);
            chafa_canvas_get_colors_at(canvas, x, y, &f, &b);
            fg[y * cols + x] = f; bg[y * cols + x] = b;
        }
    }
    chafa_canvas_unref(canvas);
    chafa_canvas_config_unref(config);
    chafa_symbol_map_unref(map);
}
#endif
