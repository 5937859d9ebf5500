# Tempting: no notification, no loop (and no thumbnails).
aws s3api put-bucket-notification-configuration --bucket scen-photo-library --notification-configuration '{}'
