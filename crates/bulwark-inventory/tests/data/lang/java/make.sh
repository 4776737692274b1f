#!/usr/bin/env bash
# Rebuilds demo.ear and boot.jar from real Debian 12 jars (see README.md). Needs
# `apt-get install -y libslf4j-java libmaven3-core-java libatinject-jsr330-api-java
# libaopalliance-java libguice-java zip`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
java=/usr/share/java
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Fixed timestamps so a rebuild from the same jars gives the same bytes.
stamp() { find "$1" -exec touch -h -d '2024-01-01 00:00:00' {} +; }

mkdir -p "$work/war/WEB-INF/lib" "$work/ear/lib" "$work/ear/META-INF" "$work/boot/BOOT-INF/lib" "$work/boot/META-INF"
cp "$java/slf4j-nop.jar" "$work/war/WEB-INF/lib/slf4j-nop-1.7.32.jar"
cp "$java/maven3-slf4j-provider.jar" "$work/war/WEB-INF/lib/maven-slf4j-provider-3.8.7.jar"
cp "$(readlink -f "$java/atinject-jsr330-api-1.0.jar")" "$work/war/WEB-INF/lib/atinject-jsr330-api-1.0.jar"
cp "$(readlink -f "$java/aopalliance-1.0.jar")" "$work/war/WEB-INF/lib/aopalliance-1.0.jar"
printf '<web-app/>\n' > "$work/war/WEB-INF/web.xml"
stamp "$work/war"
(cd "$work/war" && zip -q -X -r "$work/ear/demo.war" WEB-INF)
cp "$java/guice-jmx.jar" "$work/ear/lib/guice-jmx.jar"
printf '<application><module><web><web-uri>demo.war</web-uri></web></module></application>\n' \
    > "$work/ear/META-INF/application.xml"
stamp "$work/ear"
rm -f "$here/demo.ear" "$here/boot.jar"
(cd "$work/ear" && zip -q -X -r "$here/demo.ear" META-INF demo.war lib)

# A Spring Boot style fat jar: its own manifest only, the dependency under BOOT-INF/lib.
cp "$java/slf4j-api.jar" "$work/boot/BOOT-INF/lib/slf4j-api-1.7.32.jar"
printf 'Manifest-Version: 1.0\r\nImplementation-Title: boot-demo\r\nImplementation-Version: 0.0.1-SNAPSHOT\r\nImplementation-Vendor-Id: com.example\r\nMain-Class: org.springframework.boot.loader.JarLauncher\r\n\r\n' \
    > "$work/boot/META-INF/MANIFEST.MF"
stamp "$work/boot"
(cd "$work/boot" && zip -q -X -r "$here/boot.jar" META-INF BOOT-INF)
ls -l "$here"/*.ear "$here"/*.jar
