// PNG reading and writing through libpng. A shim because libpng reports errors by
// longjmp, which Swift cannot catch: these functions set the jump point and return an
// error code instead.
#include "CStrata.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// libpng's own handlers print to standard error; Strata reports the failure itself, on
// one line, so these only return to the setjmp point (errors) or stay quiet (warnings).
static void quiet_error(png_structp png, png_const_charp message) { (void)message; png_longjmp(png, 1); }
static void quiet_warning(png_structp png, png_const_charp message) { (void)png; (void)message; }

int cstrata_png_write(const char *path, int width, int height, int channels, const unsigned char *pixels,
                      int text_count, const char **keys, const char **values, const int *utf8) {
    FILE *f = fopen(path, "wb");
    if (!f) return 1;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, quiet_error, quiet_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_textp text = text_count > 0 ? calloc((size_t)text_count, sizeof(png_text)) : NULL;
    if (!png || !info || (text_count > 0 && !text)) { fclose(f); free(text); png_destroy_write_struct(&png, &info); return 2; }
    if (setjmp(png_jmpbuf(png))) { fclose(f); free(text); png_destroy_write_struct(&png, &info); return 3; }
    png_init_io(png, f);
    int type = channels == 4 ? PNG_COLOR_TYPE_RGBA : channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY;
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    for (int i = 0; i < text_count; i++) {
        text[i].compression = utf8[i] ? PNG_ITXT_COMPRESSION_NONE : PNG_TEXT_COMPRESSION_NONE;
        text[i].key = (png_charp)keys[i];
        text[i].text = (png_charp)values[i];
        text[i].text_length = strlen(values[i]);
        text[i].itxt_length = utf8[i] ? strlen(values[i]) : 0;
        text[i].lang = NULL;
        text[i].lang_key = NULL;
    }
    if (text_count > 0) png_set_text(png, info, text, text_count);
    png_write_info(png, info);
    for (int y = 0; y < height; y++) png_write_row(png, pixels + (size_t)y * (size_t)width * (size_t)channels);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(text);
    return fclose(f) == 0 ? 0 : 4;
}

// Walks the chunk list before libpng sees it: libpng allocates a chunk's declared length
// before reading it, so a chunk that claims more bytes than the file holds (or a text or
// other ancillary chunk over 16 MB) is refused here. 0 when every chunk fits.
static int chunks_fit(FILE *f) {
    if (fseek(f, 0, SEEK_END) != 0) return 1;
    long size = ftell(f);
    long at = 8;
    while (at + 12 <= size) {
        unsigned char head[8];
        if (fseek(f, at, SEEK_SET) != 0 || fread(head, 1, 8, f) != 8) return 1;
        unsigned long length = ((unsigned long)head[0] << 24) | ((unsigned long)head[1] << 16) | ((unsigned long)head[2] << 8) | head[3];
        if (length > 0x7FFFFFFFul || (long)length > size - at - 12) return 1;
        if (memcmp(head + 4, "IDAT", 4) != 0 && length > (16ul << 20)) return 1;
        if (memcmp(head + 4, "IEND", 4) == 0) break;
        at += 12 + (long)length;
    }
    return fseek(f, 8, SEEK_SET) != 0;
}

int cstrata_png_read(const char *path, long long max_pixels, int *width, int *height, unsigned char **pixels,
                     int *text_count, char ***keys, char ***values) {
    FILE *f = fopen(path, "rb");
    if (!f) return 1;
    unsigned char sig[8];
    if (fread(sig, 1, 8, f) != 8 || png_sig_cmp(sig, 0, 8)) { fclose(f); return 5; }
    if (chunks_fit(f)) { fclose(f); return 3; }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, quiet_error, quiet_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) { fclose(f); png_destroy_read_struct(&png, &info, NULL); return 2; }
    // volatile: set after setjmp and freed by its error path, so a longjmp must see them
    // as they are (an optimised register copy would leak them on a damaged file).
    unsigned char *volatile buffer = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) { fclose(f); free(buffer); free(rows); png_destroy_read_struct(&png, &info, NULL); return 3; }
    png_init_io(png, f);
    png_set_sig_bytes(png, 8);
    // A compressed text chunk can claim gigabytes once inflated: no chunk may take more
    // than 16 MB (pixel rows are not chunks; their limit is the header check below).
    png_set_chunk_malloc_max(png, 16 << 20);
    png_set_chunk_cache_max(png, 1000);
    png_read_info(png, info);
    // The size is checked from the header, before anything is allocated for the pixels.
    png_uint_32 header_w = png_get_image_width(png, info), header_h = png_get_image_height(png, info);
    if ((unsigned long long)header_w * (unsigned long long)header_h > (unsigned long long)max_pixels) {
        *width = (int)header_w; *height = (int)header_h;
        fclose(f); png_destroy_read_struct(&png, &info, NULL); return 6;
    }
    // Everything becomes 8-bit RGBA.
    png_set_expand(png);
    png_set_strip_16(png);
    png_set_gray_to_rgb(png);
    png_set_add_alpha(png, 0xFF, PNG_FILLER_AFTER);
    png_read_update_info(png, info);
    int w = (int)png_get_image_width(png, info), h = (int)png_get_image_height(png, info);
    buffer = malloc((size_t)w * (size_t)h * 4);
    rows = malloc(sizeof(png_bytep) * (size_t)h);
    if (!buffer || !rows) longjmp(png_jmpbuf(png), 1);
    for (int y = 0; y < h; y++) rows[y] = buffer + (size_t)y * (size_t)w * 4;
    png_read_image(png, rows);
    png_read_end(png, info);
    png_textp text = NULL;
    int n = png_get_text(png, info, &text, NULL);
    *keys = n > 0 ? calloc((size_t)n, sizeof(char *)) : NULL;
    *values = n > 0 ? calloc((size_t)n, sizeof(char *)) : NULL;
    for (int i = 0; i < n; i++) { (*keys)[i] = strdup(text[i].key); (*values)[i] = strdup(text[i].text ? text[i].text : ""); }
    *text_count = n;
    *width = w; *height = h; *pixels = buffer;
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(f);
    return 0;
}

void cstrata_png_free(unsigned char *pixels, int text_count, char **keys, char **values) {
    free(pixels);
    for (int i = 0; i < text_count; i++) { free(keys[i]); free(values[i]); }
    free(keys);
    free(values);
}
