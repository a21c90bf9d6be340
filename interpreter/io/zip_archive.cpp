#include "interpreter/io/zip_archive.hpp"

#include <zip.h>

#include <ctime>
#include <memory>

#include "interpreter/core/errors.hpp"

namespace yamlnet {

namespace {

std::string zip_error_text(zip_error_t* error) {
  const std::string text = zip_error_strerror(error);
  zip_error_fini(error);
  return text;
}

// 1980-01-01 00:00 in local time: zip stores local DOS times, so this is the same two bytes in every time
// zone (and the earliest time a zip can hold).
time_t fixed_zip_time() {
  std::tm start{};
  start.tm_year = 80;
  start.tm_mday = 1;
  start.tm_isdst = -1;
  return std::mktime(&start);
}

}  // namespace

ZipEntries read_zip(const std::string& bytes, const std::string& source, unsigned long long max_entry_bytes) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (!src) throw DataError(source, "libzip: " + zip_error_text(&error));
  zip_t* archive = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (!archive) {
    zip_source_free(src);
    throw DataError(source, "not a zip archive, or a damaged one (libzip: " + zip_error_text(&error) + ")");
  }
  zip_error_fini(&error);
  const std::unique_ptr<zip_t, void (*)(zip_t*)> owner(archive, zip_discard);
  ZipEntries entries;
  const zip_int64_t count = zip_get_num_entries(archive, 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    const auto index = static_cast<zip_uint64_t>(i);
    zip_stat_t stat;
    if (zip_stat_index(archive, index, 0, &stat) != 0 || !(stat.valid & ZIP_STAT_SIZE) || !stat.name)
      throw DataError(source, "entry " + std::to_string(i) + " of the zip archive is unreadable");
    const std::string name = stat.name;
    if (stat.size > max_entry_bytes)
      throw DataError(source, "the zip entry '" + name + "' is " + std::to_string(stat.size) +
                                  " bytes, more than yamlnet reads");
    std::string contents(static_cast<size_t>(stat.size), '\0');
    zip_file_t* file = zip_fopen_index(archive, index, 0);
    if (!file)
      throw DataError(
          source, "the zip entry '" + name + "' cannot be opened (libzip: " + zip_strerror(archive) + ")");
    const zip_int64_t got = stat.size ? zip_fread(file, contents.data(), stat.size) : 0;
    std::string problem = got < 0 ? zip_file_strerror(file) : "";
    // libzip checks the entry's CRC once it has been read to its end.
    char extra;
    if (got >= 0 && zip_fread(file, &extra, 1) < 0) problem = zip_file_strerror(file);
    zip_fclose(file);
    if (!problem.empty() || got != static_cast<zip_int64_t>(stat.size))
      throw DataError(source, "the zip entry '" + name + "' is damaged or truncated" +
                                  (problem.empty() ? "" : " (libzip: " + problem + ")"));
    entries.emplace_back(name, std::move(contents));
  }
  return entries;
}

std::string write_zip(const ZipEntries& entries, const std::string& target) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (!buffer) throw DataError(target, "libzip: " + zip_error_text(&error));
  zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  if (!archive) {
    zip_source_free(buffer);
    throw DataError(target, "libzip: " + zip_error_text(&error));
  }
  zip_error_fini(&error);
  zip_source_keep(buffer);  // the archive's bytes are read back from it after zip_close
  const std::unique_ptr<zip_source_t, void (*)(zip_source_t*)> keep(buffer, zip_source_free);
  const time_t when = fixed_zip_time();
  for (const auto& [name, contents] : entries) {
    zip_source_t* entry = zip_source_buffer(archive, contents.data(), contents.size(), 0);
    const zip_int64_t index = entry ? zip_file_add(archive, name.c_str(), entry, ZIP_FL_ENC_UTF_8) : -1;
    if (index < 0) {
      if (entry) zip_source_free(entry);
      const std::string why = zip_strerror(archive);
      zip_discard(archive);
      throw DataError(target, "libzip cannot add '" + name + "': " + why);
    }
    zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0);
    zip_file_set_mtime(archive, static_cast<zip_uint64_t>(index), when, 0);
  }
  if (zip_close(archive) != 0) {
    const std::string why = zip_strerror(archive);
    zip_discard(archive);
    throw DataError(target, "libzip cannot finish the archive: " + why);
  }
  zip_stat_t stat;
  if (zip_source_open(buffer) != 0 || zip_source_stat(buffer, &stat) != 0)
    throw DataError(target, "libzip cannot read back the archive it wrote");
  std::string out(static_cast<size_t>(stat.size), '\0');
  const zip_int64_t got = zip_source_read(buffer, out.data(), stat.size);
  zip_source_close(buffer);
  if (got != static_cast<zip_int64_t>(stat.size)) throw DataError(target, "libzip returned a short archive");
  return out;
}

}  // namespace yamlnet
