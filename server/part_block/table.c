/* part_block's partition table: read from the device at start, logged, reported (see part_block.h). */
#include <stdio.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <report/report_client.h>
#include "part_block.h"

#define REPORT_BUFFER (16u * 1024)

static int device_read(void *priv, uint64_t block, uint32_t count, void *dst)
{
	struct part_block *pb = priv;

	return block_read(&pb->device.conn, block, count, dst);
}

static void device_warn(void *priv, const char *text)
{
	arbor_warning("%s", text);
}

int table_read(struct part_block *pb)
{
	struct partition_device dev = {
		.block_count = pb->device_info.block_count,
		.block_size = pb->device_info.block_size,
		.read = device_read,
		.warn = device_warn,
		.priv = pb,
	};
	int err = partition_table_read(&dev, &pb->table);

	if (err == ARBOR_E_NOT_FOUND)
		arbor_error("part_block: no partition table on the device (neither MBR nor GPT)");
	else if (err)
		arbor_error("part_block: cannot read the partition table: %s", arbor_strerror(err));
	return err;
}

/* "512 KiB", "12 MiB": sizes for people; exact block numbers stand beside them. */
static void size_text(uint64_t bytes, char *buf, size_t size)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned u = 0;

	while (bytes >= 10 * 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, size, "%llu %s", (unsigned long long)bytes, unit[u]);
}

void table_log(const struct part_block *pb)
{
	const struct partition_table *t = &pb->table;

	arbor_log("%s partition table%s, %u partition%s on %llu blocks of %u bytes",
	          partition_table_kind_name(t->kind), t->gpt_backup ? " (from the backup header)" : "",
	          t->count, t->count == 1 ? "" : "s", (unsigned long long)pb->device_info.block_count,
	          pb->device_info.block_size);
	for (unsigned i = 0; i < t->count; i++) {
		const struct partition *p = &t->part[i];
		char size[32], guid[37];

		size_text(p->count * pb->device_info.block_size, size, sizeof(size));
		if (t->kind == PARTITION_TABLE_GPT) {
			partition_guid_text(p->type_guid, guid);
			arbor_log("  partition %u: blocks %llu..%llu (%s), type %s, name \"%s\"", p->number,
			          (unsigned long long)p->first, (unsigned long long)(p->first + p->count - 1),
			          size, guid, p->name);
		} else {
			arbor_log("  partition %u: blocks %llu..%llu (%s), type 0x%02x", p->number,
			          (unsigned long long)p->first, (unsigned long long)(p->first + p->count - 1),
			          size, p->mbr_type);
		}
	}
}

/* A GPT name into an attribute value: the five XML specials escaped, controls dropped. */
static size_t xml_escape(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (; *in && o + 7 < size; in++) {
		const char *rep = NULL;

		switch (*in) {
		case '&':  rep = "&amp;"; break;
		case '<':  rep = "&lt;"; break;
		case '>':  rep = "&gt;"; break;
		case '"':  rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		}
		if (rep) {
			memcpy(out + o, rep, strlen(rep));
			o += strlen(rep);
		} else if ((unsigned char)*in >= 0x20) {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
	return o;
}

/* Genode's part_block report: <partitions type="mbr|gpt"> with a <partition> each. */
void table_report(struct part_block *pb)
{
	const struct partition_table *t = &pb->table;
	static char text[REPORT_BUFFER];
	size_t len;
	int err;

	if (!pb->config.report)
		return;
	len = (size_t)snprintf(text, sizeof(text), "<partitions type=\"%s\">\n",
	                       t->kind == PARTITION_TABLE_GPT ? "gpt" : "mbr");
	for (unsigned i = 0; i < t->count && len < sizeof(text); i++) {
		const struct partition *p = &t->part[i];
		char guid[37], type[37], name[PARTITION_NAME_MAX * 6];

		if (t->kind == PARTITION_TABLE_GPT) {
			partition_guid_text(p->type_guid, type);
			partition_guid_text(p->guid, guid);
			xml_escape(p->name, name, sizeof(name));
			len += (size_t)snprintf(text + len, sizeof(text) - len,
			        "\t<partition number=\"%u\" name=\"%s\" type=\"%s\" guid=\"%s\" "
			        "start=\"%llu\" length=\"%llu\" block_size=\"%u\"/>\n", p->number, name,
			        type, guid, (unsigned long long)p->first, (unsigned long long)p->count,
			        pb->device_info.block_size);
		} else {
			len += (size_t)snprintf(text + len, sizeof(text) - len,
			        "\t<partition number=\"%u\" type=\"%u\" start=\"%llu\" length=\"%llu\" "
			        "block_size=\"%u\"/>\n", p->number, p->mbr_type,
			        (unsigned long long)p->first, (unsigned long long)p->count,
			        pb->device_info.block_size);
		}
	}
	if (len < sizeof(text))
		len += (size_t)snprintf(text + len, sizeof(text) - len, "</partitions>\n");
	if (len >= sizeof(text)) {
		arbor_warning("partition report larger than %u bytes: not reported", REPORT_BUFFER);
		return;
	}
	/* kept open: the report lives as long as its session (the table does not change) */
	err = report_connection_open(pb->env, &pb->report, "partitions", REPORT_BUFFER);
	if (!err)
		err = report_submit(&pb->report, text, len);
	if (err)
		arbor_warning("cannot report the partitions: %s", arbor_strerror(err));
}
